#include "store/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "base/ascii.h"

namespace hearth::store {
namespace {

constexpr size_t kMaxBufferedBody = 64 << 20;  // API answers; error bodies keep less
constexpr size_t kMaxErrorBody = 64 << 10;
constexpr int kMaxRedirects = 10;
constexpr int kMaxAttempts = 3;

void InitCurlOnce() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

struct Transfer {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HeaderMap headers;
  std::string body;
  bool sink_refused = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  // A new status line starts a new header block (e.g. after a 100 Continue).
  if (line.starts_with("HTTP/")) t->headers.clear();
  if (const size_t colon = line.find(':'); colon != std::string::npos) {
    size_t start = colon + 1;
    size_t end = line.size();
    while (start < end && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    while (end > start && std::isspace(static_cast<unsigned char>(line[end - 1]))) --end;
    t->headers[AsciiLower(line.substr(0, colon))] = line.substr(start, end - start);
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300 && status < 400) return bytes;  // a redirect's body: ignored
  if (status >= 200 && status < 300 && t->request->sink) {
    if (!t->request->sink(status, data, bytes)) {
      t->sink_refused = true;
      return 0;
    }
    return bytes;
  }
  const size_t cap = status >= 400 ? kMaxErrorBody : kMaxBufferedBody;
  if (t->body.size() + bytes > cap) {
    if (status >= 400) return bytes;
    t->sink_refused = true;
    return 0;
  }
  t->body.append(data, bytes);
  return bytes;
}

// The Hub's transient answers (spec §4.3). Their bodies never reach the sink, so retrying is safe.
bool IsRetryable(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// Retry-After in its seconds form, capped at 30 s; otherwise 1 s, 2 s, ...
std::chrono::seconds RetryDelay(const HeaderMap& headers, int attempt) {
  if (auto it = headers.find("retry-after"); it != headers.end()) {
    char* end = nullptr;
    const long secs = std::strtol(it->second.c_str(), &end, 10);
    if (end != it->second.c_str() && *end == '\0' && secs >= 0) return std::chrono::seconds(std::min(secs, 30L));
  }
  return std::chrono::seconds(attempt);
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string UrlOrigin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return AsciiLower(url);
  const size_t end = url.find_first_of("/?#", scheme + 3);
  return AsciiLower(url.substr(0, end));
}

std::string UrlHost(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string UrlEscape(const std::string& segment) {
  InitCurlOnce();
  char* e = curl_easy_escape(nullptr, segment.c_str(), static_cast<int>(segment.size()));
  std::string out = e != nullptr ? e : segment;
  curl_free(e);
  return out;
}

namespace {

// One request, following redirects.
Result<HttpResponse> FetchOnce(const HttpRequest& request) {
  HttpResponse response;
  std::string url = request.url;
  for (int hop = 0;; ++hop) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return Internal("curl_easy_init failed");
    Transfer t;
    t.curl = curl.get();
    t.request = &request;
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
    add_header("Accept-Encoding: identity");
    add_header("User-Agent: hearth/0.1.0");
    if (!request.token.empty() && UrlOrigin(url) == UrlOrigin(request.token_origin)) {
      add_header("Authorization: Bearer " + request.token);
    }
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
    // A stalled transfer (no byte for a minute) fails instead of hanging; the pull can resume.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    if (request.head) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    const std::string range = request.range_from ? std::to_string(*request.range_from) + "-" : "";
    if (request.range_from) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
    const CURLcode rc = curl_easy_perform(c);
    if (t.sink_refused) return Status(StatusCode::kCancelled, "download of " + url + " stopped");
    if (rc != CURLE_OK) {
      const std::string host = UrlHost(url);
      if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT) {
        return Status(StatusCode::kUnavailable,
                      "cannot reach " + host + " (" + curl_easy_strerror(rc) + "); are you offline?");
      }
      return Status(StatusCode::kUnavailable, "transfer from " + host + " failed: " + curl_easy_strerror(rc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    if (hop == 0) response.first_headers = t.headers;
    response.headers = std::move(t.headers);
    response.body = std::move(t.body);
    const bool redirect = response.status == 301 || response.status == 302 || response.status == 303 ||
                          response.status == 307 || response.status == 308;
    if (!redirect || !request.follow_redirects) return response;
    char* next = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next);
    if (next == nullptr) return response;
    if (hop + 1 >= kMaxRedirects) return Status(StatusCode::kUnavailable, "too many redirects from " + request.url);
    url = next;
  }
}

}  // namespace

Result<HttpResponse> HttpFetch(const HttpRequest& request) {
  InitCurlOnce();
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> r = FetchOnce(request);
    if (!r || attempt == kMaxAttempts || !IsRetryable(r->status)) return r;
    std::this_thread::sleep_for(RetryDelay(r->headers, attempt));
  }
}

}  // namespace hearth::store
