// The Hugging Face Hub client (spec §4): lists a repo's files through the API and downloads one
// into the store — resumed with Range from a partial file, checked against its sha256 while it
// streams, committed under its digest only once it matches. Errors name the host and, for
// 401/403, the HF_TOKEN variable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/hf_files.h"
#include "store/model_store.h"

namespace hearth::store {

struct HubConfig {
  std::string endpoint;  // no trailing '/'
  std::string token;
  // HF_ENDPOINT (default https://huggingface.co); token from HF_TOKEN, HUGGING_FACE_HUB_TOKEN,
  // then the file $HF_TOKEN_PATH or $HF_HOME/token.
  static HubConfig FromEnv();
};

struct RepoListing {
  std::string revision;  // the commit the API named, else "main"
  std::vector<HubFile> files;
};

Result<RepoListing> ListRepoFiles(const HubConfig& hub, std::string_view repo);

// Makes blobs/sha256-<file.sha256> present: already there, reused from the HF cache, or
// downloaded from {endpoint}/{repo}/resolve/{revision}/{path}. Returns `file` with its sha256 and
// size filled in (from X-Linked-Etag / the bytes) when the listing lacked them.
// `on_bytes` (file with its sha256 and size known, bytes on disk) replaces the terminal progress
// bar when given; it is called at least once, also when the blob was already there.
using BlobProgressFn = std::function<void(const HubFile& file, uint64_t done)>;
Result<HubFile> FetchBlob(const HubConfig& hub, std::string_view repo, std::string_view revision, HubFile file,
                 const ModelStore& store, const BlobProgressFn& on_bytes = {});

}  // namespace hearth::store
