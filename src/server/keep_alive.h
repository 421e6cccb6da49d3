// `keep_alive` (Ollama's api.Duration): how long a model stays loaded after a request. A Go
// duration string ("5m", "1h30m", "300ms", "-1m"), or a number of seconds (fractions allowed);
// negative = forever, 0 = unload as soon as the request is over. Also the syntax of
// HEARTH_KEEP_ALIVE / OLLAMA_KEEP_ALIVE, where a bare integer string means seconds.
#pragma once

#include <chrono>
#include <string_view>

#include "base/status.h"
#include "server/api_types.h"

namespace hearth::server {

struct KeepAlive {
  bool forever = false;
  std::chrono::nanoseconds duration{0};  // meaningful when !forever; never negative

  static KeepAlive Forever() { return {.forever = true}; }
  static KeepAlive For(std::chrono::nanoseconds d) { return {.forever = false, .duration = d}; }
  bool unload_now() const { return !forever && duration.count() == 0; }
  bool operator==(const KeepAlive&) const = default;
};

inline constexpr KeepAlive kDefaultKeepAlive{.forever = false, .duration = std::chrono::minutes(5)};

// A Go duration: [-+]?(number unit)+ with units ns, us, µs, ms, s, m, h; "0" alone allowed.
// With `bare_seconds`, a plain number ("300", "2.5") is seconds (the environment's syntax).
[[nodiscard]] Result<KeepAlive> ParseKeepAliveText(std::string_view text, bool bare_seconds);
// The request field: absent or null -> `fallback`; a string or a number; anything else is
// InvalidArgument naming keep_alive.
[[nodiscard]] Result<KeepAlive> ParseKeepAlive(const Json& body, const KeepAlive& fallback);
// HEARTH_KEEP_ALIVE, else OLLAMA_KEEP_ALIVE, else 5 minutes; an unparsable value is an error
// naming the variable.
[[nodiscard]] Result<KeepAlive> KeepAliveFromEnv();

}  // namespace hearth::server
