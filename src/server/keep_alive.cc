#include "server/keep_alive.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace hearth::server {
namespace {

using std::chrono::nanoseconds;

// Longer than any server runs; keeps the arithmetic below far from overflow.
constexpr double kMaxNanos = 1e18;

Result<KeepAlive> FromNanos(double ns) {
  if (std::isnan(ns)) return InvalidArgument("keep_alive: not a duration");
  if (ns < 0 || ns >= kMaxNanos) return KeepAlive::Forever();  // infinities included
  return KeepAlive::For(nanoseconds(static_cast<int64_t>(ns)));
}

// Nanoseconds per unit, longest match first ("ms" before "m").
double UnitNanos(std::string_view s, size_t* len) {
  struct Unit {
    const char* name;
    double ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1},   {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
                                    {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  for (const Unit& u : kUnits) {
    const std::string_view name(u.name);
    if (s.starts_with(name)) {
      *len = name.size();
      return u.ns;
    }
  }
  return 0;
}

}  // namespace

Result<KeepAlive> ParseKeepAliveText(std::string_view text, bool bare_seconds) {
  const std::string quoted = "keep_alive: invalid duration \"" + std::string(text) + "\"";
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return InvalidArgument(quoted);
  if (s == "0") return KeepAlive::For(nanoseconds(0));
  double total = 0;
  bool any = false;
  while (!s.empty()) {
    size_t digits = 0;
    while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) || s[digits] == '.')) ++digits;
    if (digits == 0 || s.substr(0, digits) == ".") return InvalidArgument(quoted);
    const std::string number(s.substr(0, digits));
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return InvalidArgument(quoted);
    s.remove_prefix(digits);
    size_t unit_len = 0;
    const double unit = UnitNanos(s, &unit_len);
    if (unit == 0) {
      // A bare number is seconds only in the environment's syntax, and only as the whole text.
      if (s.empty() && !any && bare_seconds) return FromNanos((negative ? -v : v) * 1e9);
      return InvalidArgument(quoted + (s.empty() ? " (missing unit: ns, us, ms, s, m or h)" : ""));
    }
    s.remove_prefix(unit_len);
    total += v * unit;
    any = true;
    if (total > kMaxNanos) return KeepAlive::Forever();  // either sign: longer than any run
  }
  return FromNanos(negative ? -total : total);
}

Result<KeepAlive> ParseKeepAlive(const Json& body, const KeepAlive& fallback) {
  if (!body.is_object()) return fallback;
  auto it = body.find("keep_alive");
  if (it == body.end() || it->is_null()) return fallback;
  if (it->is_number()) {
    const double seconds = it->get<double>();
    return FromNanos(seconds * 1e9);
  }
  if (it->is_string()) return ParseKeepAliveText(it->get_ref<const std::string&>(), /*bare_seconds=*/false);
  return InvalidArgument("keep_alive: expected a duration string (\"5m\") or a number of seconds");
}

Result<KeepAlive> KeepAliveFromEnv() {
  for (const char* var : {"HEARTH_KEEP_ALIVE", "OLLAMA_KEEP_ALIVE"}) {
    const char* v = std::getenv(var);
    if (v == nullptr || *v == '\0') continue;
    Result<KeepAlive> k = ParseKeepAliveText(v, /*bare_seconds=*/true);
    if (!k) return InvalidArgument(std::string(var) + ": '" + v + "' is not a duration (\"5m\", \"1h\", seconds)");
    return k;
  }
  return kDefaultKeepAlive;
}

}  // namespace hearth::server
