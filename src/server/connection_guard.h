// ConnectionGuard: closes HTTP connections that hold a worker thread without sending a request.
// cpp-httplib 0.11 only bounds each single read (read_timeout), so a client that sends its
// request line and headers one byte every few seconds (slowloris) keeps a worker forever, and a
// few such clients take every worker. The guard gives each connection a deadline for the whole
// request head: from accept (or from the end of the previous response on a keep-alive
// connection) until httplib hands the request to routing. Past it the socket is shut down, the
// blocked read returns and the worker is free again.
//
// httplib does not expose accepted sockets, so a watchdog thread lists this process's sockets
// (/proc/self/fd) once per tick, keeps those whose local port is the server's, and tells them
// apart by peer address and port, which is what the routing hooks see (Request::remote_addr /
// remote_port). Thread-safe; the watchdog runs between Start and Stop (or destruction).
#pragma once

#include <chrono>
#include <condition_variable>
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

  // Watches connections accepted on `port`; a request head must arrive within `head_timeout`.
  void Start(int port, std::chrono::milliseconds head_timeout);
  void Stop();

  // Routing hooks: the request head of this peer has arrived / its response has been written.
  void RequestStarted(const std::string& addr, int port);
  void ResponseDone(const std::string& addr, int port);

  // Connections shut down for missing their deadline so far.
  int timed_out() const;

 private:
  using Key = std::pair<std::string, int>;
  struct Conn {
    std::chrono::steady_clock::time_point since;
    bool in_request = false;  // between RequestStarted and ResponseDone: no deadline
  };
  void Loop();
  void Sweep();

  int port_ = 0;
  std::chrono::milliseconds head_timeout_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  std::map<Key, Conn> conns_;
  int timed_out_ = 0;
  std::thread thread_;
};

}  // namespace hearth::server
