#include "store/hf_hub.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/hf_cache.h"
#include "store/http_client.h"
#include "store/progress.h"
#include "store/sha256.h"

namespace hearth::store {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string TrimSpace(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  return s;
}

// "W/\"abc\"" -> "abc" (spec §4.3).
std::string NormalizeEtag(std::string etag) {
  if (etag.starts_with("W/")) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

Status HubError(const HubConfig& hub, long status, const HeaderMap& headers, const std::string& what) {
  const std::string host = UrlHost(hub.endpoint);
  std::string detail;
  if (auto code = headers.find("x-error-code"); code != headers.end()) detail += " " + code->second;
  if (auto msg = headers.find("x-error-message"); msg != headers.end()) detail += ": " + msg->second;
  const std::string head = what + ": " + host + " answered HTTP " + std::to_string(status) + detail;
  if (status == 401 || status == 403) {
    return Status(StatusCode::kPermissionDenied,
                  head + (hub.token.empty()
                              ? "; the repository is gated, private or does not exist: set HF_TOKEN to a Hugging "
                                "Face access token that can read it"
                              : "; the token in HF_TOKEN was refused: check that it can read this repository"));
  }
  if (status == 404) return NotFound(head + " (no such repository, revision or file)");
  return Status(StatusCode::kUnavailable, head);
}

// A repo path becomes part of a URL; refuse anything that could climb out of the repo.
bool SafeRepoPath(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.size() > 1024) return false;
  for (unsigned char c : p) {
    if (c < 0x20 || c == 0x7f || c == '\\') return false;
  }
  size_t start = 0;
  for (;;) {
    const size_t end = p.find('/', start);
    const std::string_view seg = p.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

std::string ResolveUrl(const HubConfig& hub, std::string_view repo, std::string_view revision, std::string_view path) {
  std::string url = hub.endpoint + "/" + std::string(repo) + "/resolve/" + UrlEscape(std::string(revision)) + "/";
  size_t start = 0;
  for (;;) {
    const size_t end = path.find('/', start);
    url += UrlEscape(std::string(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) return url;
    url += "/";
    start = end + 1;
  }
}

// Reuses a verified copy from the HF cache: a hard link when on the same file system, else a copy.
bool ReuseFromHfCache(std::string_view repo, const HubFile& file, const ModelStore& store) {
  const std::optional<std::string> cached = FindInHfCache(repo, file.sha256);
  if (!cached) return false;
  Result<std::string> hex = Sha256File(*cached);
  if (!hex || *hex != file.sha256) return false;
  if (::isatty(STDERR_FILENO) == 1) std::fprintf(stderr, "using %s from the Hugging Face cache\n", file.path.c_str());
  if (::link(cached->c_str(), store.BlobPath(file.sha256).c_str()) == 0) return true;
  Result<Layer> copied = store.ImportFile(*cached, kMediaModel);
  return copied.ok() && store.HasBlob(file.sha256);
}

class PartialFile {
 public:
  ~PartialFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
    // Hash what an earlier, interrupted run left, so the digest covers the whole file.
    std::vector<char> buf(1 << 20);
    for (;;) {
      const ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(size_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot read " + path + ": " + std::strerror(errno));
      if (n == 0) return Status::Ok();
      hash_.Update(buf.data(), static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
  }
  bool Restart() {
    hash_ = Sha256();
    size_ = 0;
    if (::ftruncate(fd_, 0) == 0) return true;
    error_ = errno;
    return false;
  }
  bool Append(const char* data, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : ENOSPC;  // a write of nothing is a full disk
        return false;
      }
      hash_.Update(data, static_cast<size_t>(w));
      data += w, n -= static_cast<size_t>(w), size_ += static_cast<uint64_t>(w);
    }
    return true;
  }
  Status Close() {
    const bool ok = ::fsync(fd_) == 0;
    error_ = ok ? 0 : errno;
    ::close(fd_);
    fd_ = -1;
    return ok ? Status::Ok() : IoError("cannot sync " + path_ + ": " + WriteError());
  }
  // Why the last write, truncate or sync failed, in words a user can act on.
  std::string WriteError() const {
    switch (error_) {
      case ENOSPC: return "no space left on the disk";
      case EDQUOT: return "disk quota exceeded";
      case EFBIG: return "file too large for the file system or the file size limit (ulimit -f)";
      default: return std::strerror(error_);
    }
  }
  uint64_t size() const { return size_; }
  std::string Digest() { return hash_.HexDigest(); }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  int error_ = 0;  // errno of the last failed write, truncate or sync
  Sha256 hash_;
};

}  // namespace

HubConfig HubConfig::FromEnv() {
  HubConfig hub;
  hub.endpoint = Env("HF_ENDPOINT");
  if (hub.endpoint.empty()) hub.endpoint = "https://huggingface.co";
  while (hub.endpoint.ends_with('/')) hub.endpoint.pop_back();
  hub.token = TrimSpace(Env("HF_TOKEN"));
  if (hub.token.empty()) hub.token = TrimSpace(Env("HUGGING_FACE_HUB_TOKEN"));
  if (hub.token.empty()) {
    std::string path = Env("HF_TOKEN_PATH");
    if (path.empty()) {
      const std::string home = Env("HF_HOME");
      path = home.empty() ? Env("HOME") + "/.cache/huggingface/token" : home + "/token";
    }
    if (std::FILE* f = std::fopen(path.c_str(), "r")) {
      char buf[512];
      const size_t n = std::fread(buf, 1, sizeof buf, f);
      std::fclose(f);
      hub.token = TrimSpace(std::string(buf, n));
    }
  }
  return hub;
}

Result<RepoListing> ListRepoFiles(const HubConfig& hub, std::string_view repo) {
  const std::string what = "listing " + std::string(repo);
  HttpRequest req{hub.endpoint + "/api/models/" + std::string(repo) + "?blobs=true", hub.token, hub.endpoint};
  HEARTH_ASSIGN_OR_RETURN(HttpResponse r, HttpFetch(req));
  if (r.status != 200) return HubError(hub, r.status, r.headers, what);
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("siblings") || !j["siblings"].is_array()) {
    return CorruptFile(what + ": the Hub's answer has no file list");
  }
  RepoListing out;
  out.revision = "main";
  if (auto sha = j.find("sha"); sha != j.end() && sha->is_string() && sha->get<std::string>().size() == 40) {
    out.revision = sha->get<std::string>();
  }
  for (const nlohmann::json& s : j["siblings"]) {
    if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) continue;
    HubFile f;
    f.path = s["rfilename"].get<std::string>();
    if (!SafeRepoPath(f.path)) continue;
    if (auto size = s.find("size"); size != s.end() && size->is_number_unsigned()) f.size = size->get<uint64_t>();
    if (auto lfs = s.find("lfs"); lfs != s.end() && lfs->is_object()) {
      for (const char* key : {"sha256", "oid"}) {
        if (auto v = lfs->find(key); v != lfs->end() && v->is_string()) {
          std::string hex = v->get<std::string>();
          if (hex.starts_with("sha256:")) hex.erase(0, 7);
          if (IsSha256Hex(hex)) f.sha256 = hex;
        }
      }
      if (auto size = lfs->find("size"); size != lfs->end() && size->is_number_unsigned()) f.size = size->get<uint64_t>();
    }
    out.files.push_back(std::move(f));
  }
  return out;
}

Result<HubFile> FetchBlob(const HubConfig& hub, std::string_view repo, std::string_view revision, HubFile file,
                 const ModelStore& store, const BlobProgressFn& on_bytes) {
  const std::string url = ResolveUrl(hub, repo, revision, file.path);
  const std::string what = std::string(repo) + "/" + file.path;
  if (file.sha256.empty()) {
    // Not in the listing: the Hub's X-Linked-Etag on the resolve URL is the LFS sha256.
    HttpRequest head{url, hub.token, hub.endpoint, /*head=*/true, /*follow_redirects=*/false};
    HEARTH_ASSIGN_OR_RETURN(HttpResponse r, HttpFetch(head));
    if (r.status >= 400) return HubError(hub, r.status, r.headers, what);
    if (auto e = r.headers.find("x-linked-etag"); e != r.headers.end()) file.sha256 = NormalizeEtag(e->second);
    if (!IsSha256Hex(file.sha256)) return Unsupported(what + ": the Hub gives no sha256 for it, so it cannot be verified");
    if (auto s = r.headers.find("x-linked-size"); s != r.headers.end() && file.size == 0) {
      file.size = std::strtoull(s->second.c_str(), nullptr, 10);
    }
  }
  const std::string& hex = file.sha256;
  HEARTH_RETURN_IF_ERROR(MakeDirs(store.root() + "/blobs"));
  // One process downloads a blob at a time; a second one waits, then finds it done.
  HEARTH_ASSIGN_OR_RETURN(FileLock lock, store.LockBlob(hex));
  if (store.HasBlob(hex) || ReuseFromHfCache(repo, file, store)) {
    std::error_code ec;
    if (file.size == 0) file.size = std::filesystem::file_size(store.BlobPath(hex), ec);
    if (on_bytes) on_bytes(file, file.size);
    return file;
  }

  const std::string partial_path = store.PartialPath(hex);
  PartialFile partial;
  HEARTH_RETURN_IF_ERROR(partial.Open(partial_path));
  if (file.size > 0 && partial.size() > file.size && !partial.Restart()) return IoError("cannot truncate " + partial_path);
  const size_t slash = file.path.rfind('/');
  ProgressBar bar(slash == std::string::npos ? file.path : file.path.substr(slash + 1), file.size);
  if (on_bytes) on_bytes(file, partial.size());
  if (file.size == 0 || partial.size() < file.size) {
    const uint64_t resume_at = partial.size();
    bool first = true, write_failed = false;
    HttpRequest get{url, hub.token, hub.endpoint};
    if (resume_at > 0) get.range_from = resume_at;
    get.sink = [&](long status, const char* data, size_t n) {
      // A 200 to a Range request is the whole file: start over (spec §4.4).
      if (first && status == 200 && resume_at > 0 && !partial.Restart()) return !(write_failed = true);
      first = false;
      if (!partial.Append(data, n)) return !(write_failed = true);
      if (on_bytes) {
        on_bytes(file, partial.size());
      } else {
        bar.Update(partial.size());
      }
      return true;
    };
    Result<HttpResponse> r = HttpFetch(get);
    bar.Finish();
    if (write_failed) {
      return IoError("cannot write " + partial_path + ": " + partial.WriteError() + "; " +
                     ProgressBar::FormatBytes(partial.size()) + " kept, free space and run the same pull again to resume");
    }
    if (!r) {
      return Status(r.error().code(), what + ": " + r.error().message() + "; " + ProgressBar::FormatBytes(partial.size()) +
                                          " kept, run the same pull again to resume");
    }
    if (r->status == 416) {
      // Our partial file is not a prefix the server recognises; drop it so the next try starts clean.
      ::unlink(partial_path.c_str());
      return Status(StatusCode::kUnavailable, what + ": the server refused to resume (HTTP 416); run the pull again");
    }
    if (r->status >= 300) return HubError(hub, r->status, r->headers, what);
    if (auto e = r->first_headers.find("x-linked-etag"); e != r->first_headers.end()) {
      const std::string etag = NormalizeEtag(e->second);
      if (IsSha256Hex(etag) && etag != hex) {
        ::unlink(partial_path.c_str());
        return CorruptFile(what + ": the Hub's X-Linked-Etag " + etag + " disagrees with the listed sha256 " + hex);
      }
    }
  }
  HEARTH_RETURN_IF_ERROR(partial.Close());
  if (file.size > 0 && partial.size() != file.size) {
    return Status(StatusCode::kUnavailable, what + ": got " + std::to_string(partial.size()) + " of " +
                                                std::to_string(file.size) + " bytes; run the same pull again to resume");
  }
  if (const std::string got = partial.Digest(); got != hex) {
    ::unlink(partial_path.c_str());
    return CorruptFile(what + ": sha256 mismatch (expected " + hex + ", got " + got + "); the download was discarded");
  }
  file.size = partial.size();
  HEARTH_RETURN_IF_ERROR(store.CommitBlob(partial_path, hex));
  return file;
}

}  // namespace hearth::store
