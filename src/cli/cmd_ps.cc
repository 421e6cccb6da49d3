// `hearth ps`: the models a running `hearth serve` has loaded, as `ollama ps` shows them (NAME,
// ID, SIZE, PROCESSOR, CONTEXT, UNTIL), read from its GET /api/ps. The server is found where
// `serve` listens by default: HEARTH_HOST, else OLLAMA_HOST, else 127.0.0.1:11434.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/command.h"
#include "server/server.h"
#include "store/progress.h"

namespace hearth::cli {
namespace {

// Seconds since the epoch of an RFC 3339 time ("2026-11-29T10:00:00.123+01:00", "...Z").
std::optional<int64_t> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  if (*rest == '.') {
    ++rest;
    while (*rest >= '0' && *rest <= '9') ++rest;
  }
  int64_t offset = 0;
  if (*rest == '+' || *rest == '-') {
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset = (*rest == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  } else if (*rest != 'Z') {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

// "4 minutes from now", "Forever" (Ollama's far-future expiry), "Stopping...".
std::string Until(const std::string& expires_at) {
  const std::optional<int64_t> when = ParseRfc3339(expires_at);
  if (!when) return "?";
  const int64_t left = *when - static_cast<int64_t>(std::time(nullptr));
  if (left > int64_t{100} * 365 * 86400) return "Forever";
  if (left <= 0) return "Stopping...";
  struct Unit {
    int64_t secs;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
  for (const Unit& u : kUnits) {
    if (left >= u.secs) {
      const int64_t n = left / u.secs;
      return std::to_string(n) + " " + u.name + (n == 1 ? "" : "s") + " from now";
    }
  }
  return "Stopping...";
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int Ps() {
  std::string host = "127.0.0.1";
  int port = 11434;
  const std::string addr = !Env("HEARTH_HOST").empty() ? Env("HEARTH_HOST") : Env("OLLAMA_HOST");
  if (Status st = server::ParseHostPort(addr, &host, &port); !st.ok()) return Fail(st);
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  httplib::Client client(host, port);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  const std::string where = host + ":" + std::to_string(port);
  const httplib::Result res = client.Get("/api/ps");
  if (!res) {
    return Fail(Status(StatusCode::kUnavailable,
                       "could not connect to hearth serve at " + where + " (" + httplib::to_string(res.error()) +
                           "); start it with `hearth serve`, or set HEARTH_HOST"));
  }
  const nlohmann::json body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status != 200 || !body.is_object() || !body.contains("models") || !body["models"].is_array()) {
    return Fail(Status(StatusCode::kInternal,
                       "unexpected answer from " + where + "/api/ps (HTTP " + std::to_string(res->status) + ")"));
  }
  std::printf("%-40s %-14s %-10s %-10s %-9s %s\n", "NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL");
  try {
    for (const nlohmann::json& m : body["models"]) {
      const std::string digest = m.value("digest", "");
      const uint64_t size = m.value("size", uint64_t{0});
      const uint64_t vram = m.value("size_vram", uint64_t{0});
      const std::string processor = vram == 0 ? "100% CPU" : vram >= size ? "100% GPU" : "CPU/GPU";
      std::printf("%-40s %-14s %-10s %-10s %-9d %s\n", m.value("name", "").c_str(), digest.substr(0, 12).c_str(),
                  store::ProgressBar::FormatBytes(size).c_str(), processor.c_str(), m.value("context_length", 0),
                  Until(m.value("expires_at", "")).c_str());
    }
  } catch (const nlohmann::json::exception& e) {
    return Fail(Status(StatusCode::kInternal, "unexpected model entry from " + where + "/api/ps: " + e.what()));
  }
  return 0;
}

}  // namespace

RunFn AddPsCommand(CLI::App& app) {
  app.add_subcommand("ps", "List the models a running `hearth serve` has loaded (HEARTH_HOST / OLLAMA_HOST)");
  return [] { return Ps(); };
}

}  // namespace hearth::cli
