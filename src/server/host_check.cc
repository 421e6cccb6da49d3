#include "server/host_check.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>

#include "base/ascii.h"

namespace hearth {
namespace {

bool IsLocalIpv4(const std::array<uint8_t, 4>& a) {
  return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
         (a[0] == 169 && a[1] == 254) || (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0);
}

// The host part of a Host header: "[::1]:11434" -> "::1", "name:80" -> "name". A bare IPv6
// address without brackets (not valid HTTP, but seen) is kept whole.
std::string_view HostPart(std::string_view header) {
  if (!header.empty() && header.front() == '[') {
    const size_t close = header.find(']');
    return close == std::string_view::npos ? header : header.substr(1, close - 1);
  }
  const size_t colon = header.find(':');
  if (colon != std::string_view::npos && header.find(':', colon + 1) == std::string_view::npos) {
    return header.substr(0, colon);
  }
  return header;
}

}  // namespace

bool IsLocalAddress(std::string_view address) {
  const std::string text(address);
  std::array<uint8_t, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return IsLocalIpv4(v4);
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return false;
  bool zero_prefix = true;  // the first 10 bytes zero: ::, ::1 and IPv4-mapped ::ffff:a.b.c.d
  for (size_t i = 0; i < 10; ++i) zero_prefix = zero_prefix && v6[i] == 0;
  if (zero_prefix && v6[10] == 0xFF && v6[11] == 0xFF) return IsLocalIpv4({v6[12], v6[13], v6[14], v6[15]});
  if (zero_prefix && v6[10] == 0 && v6[11] == 0 && v6[12] == 0 && v6[13] == 0 && v6[14] == 0) {
    return v6[15] <= 1;  // :: (unspecified) or ::1 (loopback)
  }
  return (v6[0] & 0xFE) == 0xFC || (v6[0] == 0xFE && (v6[1] & 0xC0) == 0x80);  // fc00::/7, fe80::/10
}

bool IsLoopbackBind(std::string_view host) {
  if (AsciiLower(host) == "localhost") return true;
  const std::string text(host);
  std::array<uint8_t, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return v4[0] == 127;
  return host == "::1";
}

bool HostHeaderAllowed(std::string_view host_header, std::string_view machine_hostname) {
  const std::string host = AsciiLower(HostPart(host_header));
  if (host.empty() || host == "localhost" || IsLocalAddress(host)) return true;
  if (!machine_hostname.empty() && host == AsciiLower(machine_hostname)) return true;
  // A name under the suffix, not the bare suffix (".local" alone is no host).
  for (std::string_view suffix : {".localhost", ".local", ".internal"}) {
    if (host.size() > suffix.size() && host.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace hearth
