// `hearth serve`'s HTTP transport: binds the address, applies the body limit and CORS policy,
// and registers the Ollama and OpenAI routes on one Engine. Listen blocks until Stop.
// Stop may be called from any thread; the Engine is borrowed and must outlive the server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/engine.h"

namespace hearth::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 11434;
  size_t max_body_bytes = size_t{8} << 20;  // larger bodies get 413
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
  std::atomic<bool> stopping_{false};
};

}  // namespace hearth::server
