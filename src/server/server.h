// `hearth serve`'s HTTP transport: binds the address, applies the limits (body size, worker
// threads, read and request-head timeouts) and CORS policy, and registers the Ollama and OpenAI
// routes on one Engine. Listen blocks until Stop.
// Stop may be called from any thread; the Engine is borrowed and must outlive the server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/connection_guard.h"
#include "server/engine.h"

namespace hearth::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 11434;
  size_t max_body_bytes = size_t{8} << 20;  // larger bodies get 413
  // Worker threads: each connection holds one while it is read and answered (a stream for its
  // whole length); further connections wait for a free one.
  int threads = 32;
  // A request line and headers must arrive within this time (slowloris; ConnectionGuard), and a
  // connection whose client sends nothing for `read_timeout` while a request is read is closed.
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds read_timeout{10000};
  // Requests served on one keep-alive connection before it is closed (a busy connection keeps
  // its worker, so a low count lets waiting connections in).
  size_t keep_alive_max = 16;
  // Origins allowed to call from a browser (exact match, or "*" for any), besides the server's
  // own origin. From HEARTH_ORIGINS, comma-separated.
  std::vector<std::string> origins;
};

// "host:port", "host", ":port" or "http://host:port" (OLLAMA_HOST syntax) into host and port;
// what the text omits keeps its value.
[[nodiscard]] Status ParseHostPort(const std::string& text, std::string* host, int* port);

class HttpServer {
 public:
  HttpServer(Engine& engine, ServerOptions opts);
  // Binds and serves until Stop. IoError when the address cannot be bound.
  [[nodiscard]] Status Listen();
  void Stop();

 private:
  bool OriginAllowed(const std::string& origin) const;

  Engine& engine_;
  ServerOptions opts_;
  httplib::Server http_;
  ConnectionGuard guard_;
  std::atomic<bool> stopping_{false};
};

}  // namespace hearth::server
