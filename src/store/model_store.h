// The local model store (spec §3.4, Ollama's layout):
//   <root>/manifests/<host>/<namespace>/<model>/<tag>   JSON manifest per name
//   <root>/blobs/sha256-<hex>                           content-addressed, immutable
//   <root>/blobs/sha256-<hex>-partial                   a download in progress (resumable)
//   <root>/locks/                                       flock files (store, one per blob)
// root = $HEARTH_MODELS, else ~/.hearth/models. A blob appears under its final name only once
// complete and verified; a manifest only once all its blobs are there. So a crash or kill at any
// point leaves either the old state or the new one (plus, at worst, a partial file to resume).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/atomic_file.h"
#include "store/manifest.h"
#include "store/model_name.h"

namespace hearth::store {

struct StoreEntry {
  ModelName name;
  std::string digest_hex;  // sha256 of the manifest bytes: the model's ID
  uint64_t size = 0;       // sum of blob sizes
  std::time_t modified = 0;
  Manifest manifest;
};

class ModelStore {
 public:
  explicit ModelStore(std::string root) : root_(std::move(root)) {}
  // $HEARTH_MODELS, else $HOME/.hearth/models.
  static Result<ModelStore> OpenDefault();

  const std::string& root() const { return root_; }
  std::string BlobPath(std::string_view hex) const { return root_ + "/blobs/sha256-" + std::string(hex); }
  std::string PartialPath(std::string_view hex) const { return BlobPath(hex) + "-partial"; }
  std::string ManifestPath(const ModelName& name) const { return root_ + "/manifests/" + name.ManifestRelPath(); }

  // Serialises manifest writes, removals and pruning between processes.
  Result<FileLock> LockStore() const;
  // Serialises downloads of one blob between processes.
  Result<FileLock> LockBlob(std::string_view hex) const;

  bool HasBlob(std::string_view hex) const;
  // Copies a file into blobs/ (hashing while copying) and returns its layer.
  Result<Layer> ImportFile(const std::string& path, std::string_view media_type) const;
  Result<Layer> PutBytes(std::string_view bytes, std::string_view media_type) const;
  // Renames a complete, verified file to blobs/sha256-<hex>.
  Status CommitBlob(const std::string& from, std::string_view hex) const;

  Result<Manifest> ReadManifest(const ModelName& name) const;
  // Fails if any blob it names is missing, so a manifest never points at nothing.
  Status WriteManifest(const ModelName& name, const Manifest& manifest) const;
  // Every valid manifest, sorted by name; stray files (temporaries, bad names) are skipped.
  Result<std::vector<StoreEntry>> List() const;
  // Deletes the manifest, then the blobs it used that no other manifest uses.
  Status Remove(const ModelName& name) const;
  Status Copy(const ModelName& from, const ModelName& to) const;
  // The path of the model's GGUF blob.
  Result<std::string> ModelPath(const ModelName& name) const;

 private:
  Result<Layer> AdoptTemp(const std::string& tmp, std::string hex, uint64_t size, std::string_view media_type) const;
  std::string root_;
};

}  // namespace hearth::store
