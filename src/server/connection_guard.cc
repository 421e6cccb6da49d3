#include "server/connection_guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace hearth::server {
namespace {

// Local port of a socket, or -1 for anything that is not an IPv4/IPv6 socket.
int LocalPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return -1;
}

// The peer as httplib reports it (numeric host from getnameinfo, port); false when unconnected
// (the listening socket).
bool Peer(int fd, std::string* addr, int* port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) != 0) {
    return false;
  }
  *addr = host;
  *port = ss.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port)
                                  : ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return true;
}

// Calls visit(fd, peer) for each connected socket of this process whose local port is `port`;
// stops early when visit returns false.
template <typename Visit>
void ForEachConnection(int port, Visit visit) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || fd == dirfd(dir) || LocalPort(static_cast<int>(fd)) != port) continue;
    std::pair<std::string, int> peer;
    if (!Peer(static_cast<int>(fd), &peer.first, &peer.second)) continue;
    if (!visit(static_cast<int>(fd), peer)) break;
  }
  closedir(dir);
}

}  // namespace

bool ConnectionGuard::PeerClosed(const std::string& addr, int port) const {
  const Key key{addr, port};
  int listen_port = 0, fd = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listen_port = port_;
    if (auto it = conns_.find(key); it != conns_.end()) fd = it->second.fd;
  }
  // The socket the last sweep saw, if it is still this peer's (descriptors are reused); else
  // (a connection newer than the sweep) a scan of this process's sockets.
  Key seen;
  if (fd < 0 || LocalPort(fd) != listen_port || !Peer(fd, &seen.first, &seen.second) || seen != key) {
    fd = -1;
    ForEachConnection(listen_port, [&](int candidate, const Key& peer) {
      if (peer != key) return true;
      fd = candidate;
      return false;
    });
  }
  if (fd < 0) return false;
  tcp_info info{};
  socklen_t len = sizeof(info);
  // CLOSE_WAIT: the peer's FIN arrived (HTTP clients never half-close while awaiting a reply);
  // CLOSE: it reset the connection.
  return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
         (info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE);
}

void ConnectionGuard::Start(int port, std::chrono::milliseconds head_timeout,
                            std::chrono::milliseconds request_timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_) return;
  port_ = port;
  head_timeout_ = head_timeout;
  request_timeout_ = std::max(request_timeout, head_timeout);
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void ConnectionGuard::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ConnectionGuard::RequestStarted(const std::string& addr, int port, uint64_t body_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  // A connection the watchdog has not listed yet was taken up within the last tick.
  auto [it, fresh] = conns_.try_emplace({addr, port}, Conn{Clock::now()});
  it->second.in_request = true;
  it->second.body_allowance = std::chrono::milliseconds(body_bytes * 1000 / kBodyBytesPerSecond);
}

void ConnectionGuard::ResponseDone(const std::string& addr, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  conns_[{addr, port}] = Conn{Clock::now()};
}

int ConnectionGuard::timed_out() const {
  std::lock_guard<std::mutex> lock(mu_);
  return timed_out_;
}

void ConnectionGuard::Loop() {
  // A tick of a quarter of the deadline (at most 1 s) keeps the overshoot small.
  const auto tick = std::min<std::chrono::milliseconds>(std::min(head_timeout_, request_timeout_) / 4 +
                                                            std::chrono::milliseconds(1),
                                                        std::chrono::milliseconds(1000));
  std::unique_lock<std::mutex> lock(mu_);
  while (running_) {
    lock.unlock();
    Sweep();
    lock.lock();
    cv_.wait_for(lock, tick, [this] { return !running_; });
  }
}

bool ConnectionGuard::Expired(int fd, Conn& conn, Clock::time_point now) const {
  int pending = 0;
  const bool unread = ioctl(fd, FIONREAD, &pending) == 0 && pending > 0;
  if (!conn.in_request) {
    // Unread bytes mean the connection waits for a free worker (a worker drains its socket as
    // bytes arrive): the client is not at fault, its deadline starts when a worker takes it.
    if (unread) conn.since = now;
    return now - conn.since >= head_timeout_;
  }
  const Clock::time_point deadline = conn.since + request_timeout_ + conn.body_allowance;
  if (now < deadline || unread) return false;
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return false;
  // Data that arrived after the deadline and was read at once belonged to the request body.
  return now - std::chrono::milliseconds(info.tcpi_last_data_recv) > deadline;
}

void ConnectionGuard::Sweep() {
  const auto now = Clock::now();
  std::set<Key> seen;
  ForEachConnection(port_, [&](int fd, const Key& key) {
    seen.insert(key);
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = conns_.try_emplace(key, Conn{now});
    it->second.fd = fd;
    if (fresh || !Expired(fd, it->second, now)) return true;
    const bool body = it->second.in_request;
    const auto limit = body ? request_timeout_ + it->second.body_allowance : head_timeout_;
    // The worker blocked in recv() on this socket sees end-of-file and closes it.
    shutdown(fd, SHUT_RDWR);
    conns_.erase(it);
    seen.erase(key);
    ++timed_out_;
    std::fprintf(stderr, "hearth: closed connection from %s:%d (no complete request %s within %lld ms)\n",
                 key.first.c_str(), key.second, body ? "body" : "head", static_cast<long long>(limit.count()));
    return true;
  });
  std::lock_guard<std::mutex> lock(mu_);
  // Entries touched after the listing started belong to connections accepted meanwhile.
  std::erase_if(conns_, [&](const auto& kv) { return kv.second.since < now && !seen.contains(kv.first); });
}

}  // namespace hearth::server
