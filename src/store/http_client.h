// A small libcurl client for the Hub: GET/HEAD with manual redirects, so the bearer token goes
// only to the Hub's own origin (scheme, host and port) and never to the CDN host a resolve/ URL
// redirects to (spec §4.2). Bodies of 2xx answers stream into a sink; the headers of the first
// answer (the Hub's, carrying X-Linked-Etag / X-Repo-Commit) are kept apart from the final ones.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/status.h"

namespace hearth::store {

using HeaderMap = std::map<std::string, std::string>;  // names lower-cased

struct HttpRequest {
  std::string url;
  std::string token;         // sent as "Authorization: Bearer" to token_origin only
  std::string token_origin;  // scheme://host[:port]
  bool head = false;
  bool follow_redirects = true;
  std::optional<uint64_t> range_from;  // "Range: bytes=N-"
  // Receives the body of a 2xx answer; `status` lets it tell 206 from 200. Returning false aborts.
  std::function<bool(long status, const char* data, size_t size)> sink;
};

struct HttpResponse {
  long status = 0;
  HeaderMap headers;        // of the final answer
  HeaderMap first_headers;  // of the first answer (before any redirect)
  std::string body;         // 2xx without a sink, or the first 64 KiB of an error answer
};

// Transport failures (unreachable host, dropped connection) are errors; HTTP error statuses are
// not: they come back in `status` for the caller to explain. 408/429/5xx answers are retried up
// to 3 times, waiting as Retry-After says (seconds form, at most 30 s).
Result<HttpResponse> HttpFetch(const HttpRequest& request);

// "https://Host:443/x" -> "https://host:443"; lower-cased, port kept when present.
std::string UrlOrigin(const std::string& url);
std::string UrlHost(const std::string& url);
// Percent-encodes one path segment.
std::string UrlEscape(const std::string& segment);

}  // namespace hearth::store
