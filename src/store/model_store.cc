#include "store/model_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "store/sha256.h"

namespace fs = std::filesystem;

namespace hearth::store {
namespace {

bool IsVisible(const fs::directory_entry& e) { return !e.path().filename().string().starts_with("."); }

}  // namespace

Result<ModelStore> ModelStore::OpenDefault() {
  if (const char* env = std::getenv("HEARTH_MODELS"); env != nullptr && *env != '\0') return ModelStore(env);
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return InvalidArgument("neither HEARTH_MODELS nor HOME is set");
  return ModelStore(std::string(home) + "/.hearth/models");
}

Result<FileLock> ModelStore::LockStore() const { return FileLock::Acquire(root_ + "/locks/store.lock"); }

Result<FileLock> ModelStore::LockBlob(std::string_view hex) const {
  return FileLock::Acquire(root_ + "/locks/sha256-" + std::string(hex) + ".lock");
}

bool ModelStore::HasBlob(std::string_view hex) const {
  std::error_code ec;
  return fs::is_regular_file(BlobPath(hex), ec);
}

Status ModelStore::CommitBlob(const std::string& from, std::string_view hex) const {
  HEARTH_RETURN_IF_ERROR(SyncPath(from));
  if (::rename(from.c_str(), BlobPath(hex).c_str()) != 0) {
    return IoError("cannot rename " + from + " into the store: " + std::strerror(errno));
  }
  return SyncPath(root_ + "/blobs");
}

Result<Layer> ModelStore::AdoptTemp(const std::string& tmp, std::string hex, uint64_t size,
                                    std::string_view media_type) const {
  if (HasBlob(hex)) {
    ::unlink(tmp.c_str());
  } else if (Status st = CommitBlob(tmp, hex); !st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return Layer{std::string(media_type), "sha256:" + hex, size, ""};
}

Result<Layer> ModelStore::ImportFile(const std::string& path, std::string_view media_type) const {
  HEARTH_RETURN_IF_ERROR(MakeDirs(root_ + "/blobs"));
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
  std::string tmpl = root_ + "/blobs/.import-XXXXXX";
  const int out = ::mkstemp(tmpl.data());
  if (out < 0) {
    ::close(in);
    return IoError("cannot create a file in " + root_ + "/blobs: " + std::strerror(errno));
  }
  Sha256 hash;
  uint64_t size = 0;
  std::vector<char> buf(1 << 20);
  Status st;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = IoError("cannot read " + path + ": " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    hash.Update(buf.data(), static_cast<size_t>(n));
    size += static_cast<uint64_t>(n);
    if (::write(out, buf.data(), static_cast<size_t>(n)) != n) {
      st = IoError("cannot write " + tmpl + ": " + std::strerror(errno));
      break;
    }
  }
  ::close(in);
  if (st.ok() && ::fchmod(out, 0644) != 0) st = IoError("cannot chmod " + tmpl);
  ::close(out);
  if (!st.ok()) {
    ::unlink(tmpl.c_str());
    return st;
  }
  return AdoptTemp(tmpl, hash.HexDigest(), size, media_type);
}

Result<Layer> ModelStore::PutBytes(std::string_view bytes, std::string_view media_type) const {
  const std::string hex = Sha256Hex(bytes);
  if (!HasBlob(hex)) HEARTH_RETURN_IF_ERROR(AtomicWriteFile(BlobPath(hex), bytes));
  return Layer{std::string(media_type), "sha256:" + hex, bytes.size(), ""};
}

Result<Manifest> ModelStore::ReadManifest(const ModelName& name) const {
  const std::string path = ManifestPath(name);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound("model '" + name.Display() + "' not found");
  HEARTH_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  Result<Manifest> m = Manifest::FromJson(text);
  if (!m) return m.error().WithContext(path);
  return m;
}

Status ModelStore::WriteManifest(const ModelName& name, const Manifest& manifest) const {
  std::vector<const Layer*> all = {&manifest.config};
  for (const Layer& l : manifest.layers) all.push_back(&l);
  for (const Layer* l : all) {
    const std::optional<std::string> hex = DigestHex(l->digest);
    if (!hex || !HasBlob(*hex)) return NotFound("blob " + l->digest + " is missing from the store");
  }
  return AtomicWriteFile(ManifestPath(name), manifest.ToJson());
}

Result<std::vector<StoreEntry>> ModelStore::List() const {
  std::vector<StoreEntry> out;
  const fs::path top = root_ + "/manifests";
  std::error_code ec;
  if (!fs::is_directory(top, ec)) return out;
  // Exactly four levels: host/namespace/model/tag; anything else is not ours and is skipped.
  for (const auto& host : fs::directory_iterator(top, ec)) {
    if (!host.is_directory(ec) || !IsVisible(host)) continue;
    for (const auto& ns : fs::directory_iterator(host.path(), ec)) {
      if (!ns.is_directory(ec) || !IsVisible(ns)) continue;
      for (const auto& model : fs::directory_iterator(ns.path(), ec)) {
        if (!model.is_directory(ec) || !IsVisible(model)) continue;
        for (const auto& tag : fs::directory_iterator(model.path(), ec)) {
          if (!tag.is_regular_file(ec) || !IsVisible(tag)) continue;
          Result<ModelName> name = ParseModelName(host.path().filename().string() + "/" + ns.path().filename().string() +
                                                  "/" + model.path().filename().string() + ":" +
                                                  tag.path().filename().string());
          if (!name) continue;
          Result<std::string> text = ReadWholeFile(tag.path().string());
          if (!text) continue;
          Result<Manifest> m = Manifest::FromJson(*text);
          if (!m) continue;
          StoreEntry e{*name, Sha256Hex(*text), m->TotalSize(), 0, *m};
          struct stat st {};
          if (::stat(tag.path().c_str(), &st) == 0) e.modified = st.st_mtime;
          out.push_back(std::move(e));
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const StoreEntry& a, const StoreEntry& b) { return a.name.Display() < b.name.Display(); });
  return out;
}

Status ModelStore::Remove(const ModelName& name) const {
  HEARTH_ASSIGN_OR_RETURN(FileLock lock, LockStore());
  HEARTH_ASSIGN_OR_RETURN(Manifest gone, ReadManifest(name));
  const std::string path = ManifestPath(name);
  if (::unlink(path.c_str()) != 0) return IoError("cannot delete " + path + ": " + std::strerror(errno));
  HEARTH_RETURN_IF_ERROR(SyncPath(fs::path(path).parent_path().string()));
  // Empty model/namespace/host folders go too, so `list` stays tidy; rmdir fails on non-empty ones.
  fs::path dir = fs::path(path).parent_path();
  for (int i = 0; i < 3 && ::rmdir(dir.c_str()) == 0; ++i) dir = dir.parent_path();
  HEARTH_ASSIGN_OR_RETURN(std::vector<StoreEntry> rest, List());
  std::set<std::string> used;
  for (const StoreEntry& e : rest) {
    used.insert(e.manifest.config.digest);
    for (const Layer& l : e.manifest.layers) used.insert(l.digest);
  }
  std::vector<const Layer*> candidates = {&gone.config};
  for (const Layer& l : gone.layers) candidates.push_back(&l);
  for (const Layer* l : candidates) {
    const std::optional<std::string> hex = DigestHex(l->digest);
    if (hex && !used.contains(l->digest)) ::unlink(BlobPath(*hex).c_str());
  }
  return Status::Ok();
}

Status ModelStore::Copy(const ModelName& from, const ModelName& to) const {
  HEARTH_ASSIGN_OR_RETURN(FileLock lock, LockStore());
  HEARTH_ASSIGN_OR_RETURN(Manifest m, ReadManifest(from));
  return WriteManifest(to, m);
}

Result<std::string> ModelStore::ModelPath(const ModelName& name) const {
  HEARTH_ASSIGN_OR_RETURN(Manifest m, ReadManifest(name));
  const Layer* model = m.Find(kMediaModel);
  if (model == nullptr) return NotFound("model '" + name.Display() + "' has no GGUF layer");
  const std::optional<std::string> hex = DigestHex(model->digest);
  if (!hex || !HasBlob(*hex)) return NotFound("model '" + name.Display() + "': its GGUF blob is missing");
  return BlobPath(*hex);
}

}  // namespace hearth::store
