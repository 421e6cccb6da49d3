// ConnectionGuard: closes HTTP connections that hold a worker thread without sending a request.
// cpp-httplib 0.11 only bounds each single read (read_timeout), so a client that sends its
// request line and headers one byte every few seconds (slowloris), or its body that way, keeps a
// worker forever, and a few such clients take every worker. The guard gives each connection two
// deadlines, both counted from when a worker takes the connection up (accept, or the end of the
// previous response on a keep-alive connection):
//   - the request head (line and headers) must have arrived within `head_timeout`;
//   - the whole request, body included, within `request_timeout` plus an allowance for the body
//     size the client announced (kBodyBytesPerSecond), so large uploads on slow links still fit.
// Past a deadline the socket is shut down, the blocked read returns and the worker is free again.
//
// httplib does not expose accepted sockets, so a watchdog thread lists this process's sockets
// (/proc/self/fd) once per tick, keeps those whose local port is the server's, and tells them
// apart by peer address and port, which is what the routing hooks see (Request::remote_addr /
// remote_port). The routing hook fires when the head has arrived, before the body is read; no
// hook fires when the body is complete, so the body deadline is judged from the socket: the
// kernel's TCP_INFO says when data last arrived, and a byte that arrived after the deadline and
// was read at once (nothing left unread) was still part of a request being received. After the
// body, clients send nothing while a handler runs (a long stream is never cut); pipelined bytes
// stay unread until the handler ends, so they do not count.
// Thread-safe; the watchdog runs between Start and Stop (or destruction).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace hearth::server {

class ConnectionGuard {
 public:
  ConnectionGuard() = default;
  ~ConnectionGuard() { Stop(); }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // Upload speed the body allowance assumes: a slower client may still finish a small body within
  // `request_timeout`, but an 8 MiB body gets a minute more, not an hour.
  static constexpr uint64_t kBodyBytesPerSecond = 128 << 10;

  // Watches connections accepted on `port` (deadlines as above).
  void Start(int port, std::chrono::milliseconds head_timeout, std::chrono::milliseconds request_timeout);
  void Stop();

  // Routing hooks: the request head of this peer has arrived, announcing `body_bytes` (0 when
  // unknown) / its response has been written.
  void RequestStarted(const std::string& addr, int port, uint64_t body_bytes);
  void ResponseDone(const std::string& addr, int port);

  // Whether the client of this peer has closed its end (sent FIN or RST) while its request is
  // being handled: how a handler that writes nothing until the end (a non-streaming reply) learns
  // that nobody waits for it. False while the connection is open or cannot be found.
  bool PeerClosed(const std::string& addr, int port) const;
  // PeerClosed as the client_alive probe of Engine::Run: true while the client is connected.
  std::function<bool()> AliveProbe(const std::string& addr, int port) const {
    return [this, addr, port] { return !PeerClosed(addr, port); };
  }

  // Connections shut down for missing their deadline so far.
  int timed_out() const;

 private:
  using Key = std::pair<std::string, int>;
  using Clock = std::chrono::steady_clock;
  struct Conn {
    Clock::time_point since;  // taken up by a worker
    bool in_request = false;  // between RequestStarted and ResponseDone: the body deadline applies
    int fd = -1;              // the socket, as the last sweep found it (-1: not swept yet)
    std::chrono::milliseconds body_allowance{0};
  };
  void Loop();
  void Sweep();
  // Whether the connection on `fd` is past its deadline and must be shut down.
  bool Expired(int fd, Conn& conn, Clock::time_point now) const;

  int port_ = 0;
  std::chrono::milliseconds head_timeout_{0};
  std::chrono::milliseconds request_timeout_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  std::map<Key, Conn> conns_;
  int timed_out_ = 0;
  std::thread thread_;
};

}  // namespace hearth::server
