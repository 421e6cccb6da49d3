// The DNS-rebinding guard (spec ollama-openai-api.md §1, "Host-header check"). A web page on
// evil.example can make its own name resolve to 127.0.0.1 after the browser has loaded it; its
// scripts then reach a loopback server as "same origin", so CORS alone does not protect it. What
// the page cannot forge is the Host header: the browser sends the page's name. A server bound to
// loopback therefore answers only requests addressed to a local name or address.
#pragma once

#include <string_view>

namespace hearth {

// Whether an address is loopback (127.0.0.0/8, ::1), unspecified (0.0.0.0, ::) or private
// (10/8, 172.16/12, 192.168/16, 169.254/16 link-local, fc00::/7, fe80::/10), IPv4-mapped IPv6
// included. Names and malformed text are not addresses: false.
bool IsLocalAddress(std::string_view address);

// Whether a bind address keeps the server on this machine (loopback address or "localhost").
bool IsLoopbackBind(std::string_view host);

// Whether a request with this Host header may be served by a loopback-bound server: an empty
// header (HTTP/1.0), a local address, "localhost", the machine's own hostname, or a name under
// .localhost, .local or .internal; an optional ":port" and IPv6 brackets are ignored. Names are
// compared case-insensitively.
bool HostHeaderAllowed(std::string_view host_header, std::string_view machine_hostname);

}  // namespace hearth
