// `hearth serve`'s HTTP transport: binds the address, applies the limits (body size, worker
// threads, read and request-head timeouts) and CORS policy, and registers the Ollama and OpenAI
// routes on the ModelManager's models. Listen blocks until Stop.
// Stop may be called from any thread; the ModelManager is borrowed and must outlive the server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/connection_guard.h"
#include "server/model_manager.h"

namespace hearth::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 11434;
  size_t max_body_bytes = size_t{8} << 20;  // larger bodies get 413
  // Worker threads: each connection holds one while it is read and answered (a stream for its
  // whole length); further connections wait for a free one.
  int threads = 32;
  // A request line and headers must arrive within `head_timeout` and the whole request within
  // `request_timeout` plus a body-size allowance (slowloris; ConnectionGuard), and a connection
  // whose client sends nothing for `read_timeout` while a request is read is closed.
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds request_timeout{30000};
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

// HEARTH_MAX_BODY (bytes, or with a KB/MB/GB/KiB/MiB/GiB suffix) and HEARTH_REQUEST_TIMEOUT
// (seconds, or with an ms/s/m suffix) into `opts`; unset keeps the defaults, a bad value is an
// InvalidArgument naming the variable.
[[nodiscard]] Status ApplyRequestLimitsFromEnv(ServerOptions* opts);

class HttpServer {
 public:
  HttpServer(ModelManager& models, ServerOptions opts);
  // Binds and serves until Stop. IoError when the address cannot be bound.
  [[nodiscard]] Status Listen();
  void Stop();

 private:
  bool OriginAllowed(const std::string& origin) const;

  ModelManager& models_;
  ServerOptions opts_;
  // Bound to loopback: refuse requests addressed to foreign names (host_check.h).
  bool check_host_header_;
  std::string machine_hostname_;
  httplib::Server http_;
  ConnectionGuard guard_;
  std::atomic<bool> stopping_{false};
};

}  // namespace hearth::server
