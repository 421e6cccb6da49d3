// Helpers shared by the route files: body decoding, Status -> HTTP status, timestamps and ids.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "base/status.h"
#include "server/api_types.h"

namespace hearth::server {

// The request body as JSON; InvalidArgument (-> 400) when it is missing or not JSON.
[[nodiscard]] Result<Json> ParseBody(const httplib::Request& req);
// One table from Status codes to HTTP statuses (400, 404, 501, 503, 500).
int HttpStatus(const Status& status);
// Serializes without throwing: invalid UTF-8 (possible in model output) becomes U+FFFD.
std::string Dump(const Json& j);
// RFC 3339 UTC with nanoseconds, as Go prints time.Time.
std::string NowRfc3339();
int64_t UnixSeconds();
// `prefix` + n random lowercase letters and digits.
std::string RandomId(const std::string& prefix, int n);

}  // namespace hearth::server

namespace hearth::server {
// RFC 3339 UTC (seconds precision) of a Unix time.
std::string FormatRfc3339(int64_t unix_seconds);
}  // namespace hearth::server
