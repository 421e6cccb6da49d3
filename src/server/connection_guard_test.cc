// ConnectionGuard on real loopback sockets with short deadlines: which connections it shuts down
// (silent before the head, a body still dripping in past the deadline), which it must leave
// alone (a handler running long after its body arrived, bytes waiting unread behind a running
// handler, a large body within its allowance), and clients that hung up during their request.
#include "server/connection_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace hearth::server {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kDeadline{400};

// A listening socket on a free loopback port, and connections to it seen from both ends.
class Loopback {
 public:
  Loopback() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(listen_fd_, 8), 0);
    socklen_t len = sizeof(a);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Loopback() { close(listen_fd_); }
  int port() const { return port_; }

  struct Conn {
    int client = -1, server = -1;
    int client_port = 0;  // the peer port the server side (and the guard) sees
    ~Conn() {
      close(client);
      close(server);
    }
  };
  void Connect(Conn* c) const {
    c->client = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port_));
    ASSERT_EQ(connect(c->client, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    c->server = accept(listen_fd_, nullptr, nullptr);
    ASSERT_GE(c->server, 0);
    socklen_t len = sizeof(a);
    getsockname(c->client, reinterpret_cast<sockaddr*>(&a), &len);
    c->client_port = ntohs(a.sin_port);
  }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
};

// True when the server end was shut down (a read sees end-of-file) without consuming data.
bool ShutDown(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) != 1) return false;
  char c;
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

// Reads the server end as a worker would until end-of-file; returns how long that took.
milliseconds ReadUntilClosed(int fd) {
  const auto t0 = Clock::now();
  char buf[64];
  while (recv(fd, buf, sizeof(buf), 0) > 0) {
  }
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
}

// Sends one byte every `every` until the socket fails or `stop` is set.
std::thread Drip(int fd, milliseconds every, const std::atomic<bool>& stop) {
  return std::thread([fd, every, &stop] {
    while (!stop && send(fd, "x", 1, MSG_NOSIGNAL) == 1) std::this_thread::sleep_for(every);
  });
}

TEST(ConnectionGuard, ClosesAConnectionThatSendsNoHead) {
  Loopback lo;
  ConnectionGuard guard;
  guard.Start(lo.port(), kDeadline, kDeadline);
  Loopback::Conn c;
  lo.Connect(&c);
  const milliseconds took = ReadUntilClosed(c.server);
  EXPECT_GE(took, kDeadline - milliseconds(50));
  EXPECT_LT(took, kDeadline * 3);
  EXPECT_EQ(guard.timed_out(), 1);
}

TEST(ConnectionGuard, ClosesABodyStillArrivingPastTheDeadline) {
  Loopback lo;
  ConnectionGuard guard;
  guard.Start(lo.port(), kDeadline, kDeadline);
  Loopback::Conn c;
  lo.Connect(&c);
  guard.RequestStarted("127.0.0.1", c.client_port, 1000);
  std::atomic<bool> stop{false};
  std::thread drip = Drip(c.client, milliseconds(50), stop);
  const milliseconds took = ReadUntilClosed(c.server);
  stop = true;
  drip.join();
  EXPECT_GE(took, kDeadline - milliseconds(50));
  EXPECT_LT(took, kDeadline * 3);
  EXPECT_EQ(guard.timed_out(), 1);
}

TEST(ConnectionGuard, LeavesALongHandlerAlone) {
  Loopback lo;
  ConnectionGuard guard;
  guard.Start(lo.port(), kDeadline, kDeadline);
  Loopback::Conn c;
  lo.Connect(&c);
  // The whole request arrives at once and is read; then the handler runs for three deadlines.
  guard.RequestStarted("127.0.0.1", c.client_port, 4);
  ASSERT_EQ(send(c.client, "body", 4, 0), 4);
  char buf[4];
  ASSERT_EQ(recv(c.server, buf, sizeof(buf), MSG_WAITALL), 4);
  std::this_thread::sleep_for(kDeadline * 3);
  EXPECT_FALSE(ShutDown(c.server));
  // Bytes the client pipelines behind the running handler stay unread: not a slow body either.
  ASSERT_EQ(send(c.client, "GET / HTTP/1.1\r\n", 16, 0), 16);
  std::this_thread::sleep_for(kDeadline);
  EXPECT_FALSE(ShutDown(c.server));
  EXPECT_EQ(guard.timed_out(), 0);
  // Once its response is written the connection owes the next head within the head deadline.
  guard.ResponseDone("127.0.0.1", c.client_port);
  ASSERT_EQ(recv(c.server, buf, sizeof(buf), 0), 4);  // the head starts, then stalls
  const milliseconds took = ReadUntilClosed(c.server);
  EXPECT_LT(took, kDeadline * 3);
  EXPECT_EQ(guard.timed_out(), 1);
}

TEST(ConnectionGuard, GivesLargeBodiesTimeInProportion) {
  Loopback lo;
  ConnectionGuard guard;
  guard.Start(lo.port(), kDeadline, kDeadline);
  Loopback::Conn c;
  lo.Connect(&c);
  // An announced body of one second's worth at the assumed upload speed: one more second.
  guard.RequestStarted("127.0.0.1", c.client_port, ConnectionGuard::kBodyBytesPerSecond);
  std::atomic<bool> stop{false};
  std::thread drip = Drip(c.client, milliseconds(50), stop);
  const milliseconds took = ReadUntilClosed(c.server);
  stop = true;
  drip.join();
  EXPECT_GE(took, kDeadline + milliseconds(1000) - milliseconds(50));
  EXPECT_LT(took, kDeadline * 3 + milliseconds(1000));
}


TEST(ConnectionGuard, SeesAClientThatHungUpDuringItsRequest) {
  Loopback lo;
  ConnectionGuard guard;
  guard.Start(lo.port(), kDeadline * 10, kDeadline * 10);
  Loopback::Conn c;
  lo.Connect(&c);
  guard.RequestStarted("127.0.0.1", c.client_port, 4);
  ASSERT_EQ(send(c.client, "body", 4, 0), 4);
  EXPECT_FALSE(guard.PeerClosed("127.0.0.1", c.client_port));
  EXPECT_FALSE(guard.PeerClosed("127.0.0.1", c.client_port + 1));  // no such connection
  close(c.client);
  c.client = -1;
  // The FIN reaches the server end at once on loopback; allow a few polls for a loaded machine.
  bool closed = false;
  for (int i = 0; i < 50 && !closed; ++i) {
    closed = guard.PeerClosed("127.0.0.1", c.client_port);
    if (!closed) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(guard.timed_out(), 0);
}

}  // namespace
}  // namespace hearth::server
