// HttpServer: address parsing, limits (body size, worker threads, read and request-head
// timeouts), CORS, the Host-header guard and the error bodies httplib produces itself (404 unknown path, 413 body too
// large).
#include "server/server.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "server/host_check.h"
#include "server/http_util.h"
#include "server/routes.h"

namespace hearth::server {

Status ParseHostPort(const std::string& text, std::string* host, int* port) {
  std::string s = text;
  for (const char* scheme : {"http://", "https://"}) {
    if (s.rfind(scheme, 0) == 0) s = s.substr(std::string(scheme).size());
  }
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.empty()) return Status::Ok();
  std::string h = s, p;
  if (s.front() == '[') {  // [v6]:port
    const size_t close = s.find(']');
    if (close == std::string::npos) return InvalidArgument("bad address '" + text + "'");
    h = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return InvalidArgument("bad address '" + text + "'");
      p = s.substr(close + 2);
    }
  } else if (const size_t colon = s.find(':');
             colon != std::string::npos && s.find(':', colon + 1) == std::string::npos) {
    h = s.substr(0, colon);
    p = s.substr(colon + 1);
  }
  if (!p.empty()) {
    char* end = nullptr;
    const long v = std::strtol(p.c_str(), &end, 10);
    if (*end != '\0' || v < 0 || v > 65535) return InvalidArgument("bad port in '" + text + "'");
    *port = static_cast<int>(v);
  }
  if (!h.empty()) *host = h;
  return Status::Ok();
}

namespace {

// "123" with an optional unit suffix (case-insensitive) scaled by `units`; nullopt when malformed
// or out of range.
std::optional<uint64_t> ParseScaled(const std::string& text,
                                    std::initializer_list<std::pair<const char*, uint64_t>> units) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::string unit = text.substr(digits);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [name, scale] : units) {
    if (unit == name) return std::stoull(text.substr(0, digits)) * scale;
  }
  return std::nullopt;
}

}  // namespace

Status ApplyRequestLimitsFromEnv(ServerOptions* opts) {
  if (const char* v = std::getenv("HEARTH_MAX_BODY"); v != nullptr && *v != '\0') {
    const std::optional<uint64_t> bytes =
        ParseScaled(v, {{"", 1}, {"b", 1}, {"kb", 1000}, {"mb", 1000000}, {"gb", 1000000000},
                        {"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}});
    if (!bytes || *bytes < 1024 || *bytes > (uint64_t{4} << 30)) {
      return InvalidArgument(std::string("HEARTH_MAX_BODY: '") + v + "' is not a size from 1KiB to 4GiB (e.g. 8MiB)");
    }
    opts->max_body_bytes = static_cast<size_t>(*bytes);
  }
  if (const char* v = std::getenv("HEARTH_REQUEST_TIMEOUT"); v != nullptr && *v != '\0') {
    const std::optional<uint64_t> ms = ParseScaled(v, {{"", 1000}, {"s", 1000}, {"ms", 1}, {"m", 60000}});
    if (!ms || *ms < 100 || *ms > 3600000) {
      return InvalidArgument(std::string("HEARTH_REQUEST_TIMEOUT: '") + v +
                             "' is not a duration from 100ms to 1h (seconds, or e.g. 30s, 500ms, 2m)");
    }
    opts->request_timeout = std::chrono::milliseconds(*ms);
    // The head deadline is part of the request's and never longer.
    opts->head_timeout = std::min(opts->head_timeout, opts->request_timeout);
  }
  return Status::Ok();
}

HttpServer::HttpServer(ModelManager& models, ServerOptions opts)
    : models_(models), opts_(std::move(opts)), check_host_header_(IsLoopbackBind(opts_.host)) {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) == 0) machine_hostname_ = name.data();
  http_.set_payload_max_length(opts_.max_body_bytes);
  const int threads = std::max(opts_.threads, 1);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_.set_read_timeout(opts_.read_timeout);
  http_.set_keep_alive_max_count(opts_.keep_alive_max);
  // The logger runs after each response is written: the connection's next request head is due.
  // It also feeds hearth_requests_total (streams are counted once they end).
  http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    guard_.ResponseDone(req.remote_addr, req.remote_port);
    models_.metrics().CountRequest(req.path, res.status);
  });
  http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    guard_.RequestStarted(req.remote_addr, req.remote_port, req.get_header_value<uint64_t>("Content-Length"));
    if (check_host_header_ && !HostHeaderAllowed(req.get_header_value("Host"), machine_hostname_)) {
      res.status = 403;
      res.set_content(Dump(Json{{"error", "host header not allowed: a loopback server answers local names only "
                                          "(a proxy in front of it should send Host: localhost)"}}),
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string origin = req.get_header_value("Origin");
    if (origin.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (OriginAllowed(origin)) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
      res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS, HEAD");
      const std::string asked = req.get_header_value("Access-Control-Request-Headers");
      res.set_header("Access-Control-Allow-Headers", asked.empty() ? "Authorization, Content-Type" : asked);
    }
    if (req.method == "OPTIONS") {
      res.status = OriginAllowed(origin) ? 204 : 403;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Errors httplib raises itself (no route, 413) get a JSON body; ours already have one.
  http_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.status == 204) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = res.status == 404   ? "404 page not found"
                          : res.status == 413 ? "request body too large"
                                              : "HTTP " + std::to_string(res.status);
    if (req.path.rfind("/v1/", 0) == 0) {
      res.set_content(
          Dump(Json{
              {"error",
               {{"message", message}, {"type", "invalid_request_error"}, {"param", nullptr}, {"code", res.status}}}}),
          "application/json");
    } else {
      res.set_content(Dump(Json{{"error", message}}), "application/json");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  RegisterNativeRoutes(http_, models_, guard_);
  RegisterStoreRoutes(http_, models_);
  RegisterOpenAiRoutes(http_, models_, guard_);
  RegisterResponsesRoutes(http_, models_, guard_);
}

bool HttpServer::OriginAllowed(const std::string& origin) const {
  for (const std::string& allowed : opts_.origins) {
    if (allowed == "*" || allowed == origin) return true;
  }
  // Same origin: the page was served from this address (loopback names included).
  const std::string port = std::to_string(opts_.port);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    std::string own("http://");
    own.append(host).append(":").append(port);
    if (origin == own) return true;
  }
  std::string own("http://");
  own.append(opts_.host).append(":").append(port);
  return origin == own;
}

Status HttpServer::Listen() {
  if (!http_.bind_to_port(opts_.host, opts_.port)) {
    return IoError("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) +
                   " (address in use or not local?)");
  }
  guard_.Start(opts_.port, opts_.head_timeout, opts_.request_timeout);
  std::fprintf(stderr, "hearth: serving on http://%s:%d\n", opts_.host.c_str(), opts_.port);
  // The guard keeps running while httplib drains in-flight requests after Stop, so a slow
  // client cannot hold the shutdown.
  const bool clean = http_.listen_after_bind() || stopping_.load();
  guard_.Stop();
  if (!clean) return IoError("the HTTP server stopped with an error");
  return Status::Ok();
}

void HttpServer::Stop() {
  stopping_.store(true);
  http_.stop();
}

}  // namespace hearth::server
