// `hearth pull`: a model name -> a Hugging Face repo and quant -> blobs and a manifest in the
// store. Names: hf.co/ORG/REPO[:QUANT] (also huggingface.co/...), and the Ollama library names
// gemma4[:TAG] mapped onto the public ggml-org GGUF repos (spec §4.6, §4.7).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/hf_hub.h"
#include "store/model_name.h"
#include "store/model_store.h"

namespace hearth::store {

struct PullTarget {
  ModelName name;     // where the manifest goes
  std::string repo;   // ORG/REPO on the Hub
  std::string quant;  // "" = the default choice (Q4_K_M, else Q8_0, else the first model file)
};

Result<PullTarget> ResolvePullTarget(std::string_view text);

// Lists the repo, picks the file, fetches it into the store and writes the manifest. The mmproj
// projector is recorded in the config blob (name, size, sha256), not downloaded: the runtime
// does not read images yet.
// Progress as Ollama's /api/pull reports it: a status ("pulling manifest", "pulling <12 hex>",
// "verifying sha256 digest", "writing manifest"), and for a layer download its digest and bytes.
struct PullProgress {
  std::string status;
  std::string digest;  // "sha256:<hex>" while a layer downloads, else ""
  uint64_t total = 0, completed = 0;
};
using PullProgressFn = std::function<void(const PullProgress&)>;

// `on_progress`, when given, replaces the terminal progress bar (the server streams it instead).
Result<Manifest> Pull(const ModelStore& store, const HubConfig& hub, const PullTarget& target,
                      const PullProgressFn& on_progress = {});

}  // namespace hearth::store
