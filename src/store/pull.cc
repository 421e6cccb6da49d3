#include "store/pull.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/ascii.h"

namespace hearth::store {
namespace {

struct Alias {
  const char* tag;
  const char* repo;
};

// Ollama library gemma4 tags -> the ggml-org repos (Q4_K_M where published, else Q8_0).
constexpr Alias kGemma4Aliases[] = {
    {"latest", "ggml-org/gemma-4-E4B-it-GGUF"},   {"e4b", "ggml-org/gemma-4-E4B-it-GGUF"},
    {"4b-e4b", "ggml-org/gemma-4-E4B-it-GGUF"},   {"e2b", "ggml-org/gemma-4-E2B-it-GGUF"},
    {"2b-e2b", "ggml-org/gemma-4-E2B-it-GGUF"},   {"26b", "ggml-org/gemma-4-26B-A4B-it-GGUF"},
    {"26b-a4b", "ggml-org/gemma-4-26B-A4B-it-GGUF"}, {"31b", "ggml-org/gemma-4-31B-it-GGUF"},
};

}  // namespace

Result<PullTarget> ResolvePullTarget(std::string_view text) {
  HEARTH_ASSIGN_OR_RETURN(ModelName name, ParseModelName(text));
  const std::string shown = name.Display();
  const std::string tag = AsciiLower(name.tag);
  if (tag == "cloud" || tag.ends_with("-cloud")) {
    return Unsupported(shown + " is an Ollama Cloud model; hearth runs models locally only");
  }
  if (name.IsHuggingFace()) {
    return PullTarget{name, name.name_space + "/" + name.model, name.tag_given ? name.tag : ""};
  }
  if (name.host == kDefaultHost && name.name_space == kDefaultNamespace && AsciiLower(name.model) == "gemma4") {
    std::string tags;
    for (const Alias& a : kGemma4Aliases) {
      if (tag == a.tag) return PullTarget{name, a.repo, ""};
      if (!tags.empty()) tags += ", ";
      tags += a.tag;
    }
    return NotFound("unknown tag '" + name.tag + "' for gemma4; hearth knows: " + tags);
  }
  return Unsupported("hearth pulls from Hugging Face: use hf.co/ORG/REPO[:QUANT] or gemma4[:e2b|e4b|26b|31b], not " + shown);
}

Result<Manifest> Pull(const ModelStore& store, const HubConfig& hub, const PullTarget& target,
                      const PullProgressFn& on_progress) {
  auto say = [&](std::string status) {
    if (on_progress) on_progress(PullProgress{.status = std::move(status)});
  };
  say("pulling manifest");
  HEARTH_ASSIGN_OR_RETURN(RepoListing listing, ListRepoFiles(hub, target.repo));
  Result<HubSelection> sel = SelectHubFiles(listing.files, target.quant);
  if (!sel) return sel.error().WithContext(target.repo);
  BlobProgressFn on_bytes;
  if (on_progress) {
    on_bytes = [&](const HubFile& file, uint64_t done) {
      on_progress({.status = "pulling " + file.sha256.substr(0, 12),
                   .digest = "sha256:" + file.sha256,
                   .total = file.size,
                   .completed = done});
    };
  }
  HEARTH_ASSIGN_OR_RETURN(const HubFile model,
                          FetchBlob(hub, target.repo, listing.revision, sel->model, store, on_bytes));
  say("verifying sha256 digest");

  nlohmann::ordered_json config = {{"model_format", "gguf"},
                                   {"model_family", "gemma4"},
                                   {"model_families", {"gemma4"}},
                                   {"file_type", sel->quant},
                                   {"source", std::string(kHfHost) + "/" + target.repo},
                                   {"revision", listing.revision},
                                   {"file", model.path}};
  if (sel->mmproj) {
    config["projector"] = {{"file", sel->mmproj->path}, {"size", sel->mmproj->size}, {"sha256", sel->mmproj->sha256}};
  }
  Manifest m;
  HEARTH_ASSIGN_OR_RETURN(m.config, store.PutBytes(config.dump(), kMediaConfig));
  m.layers.push_back(Layer{std::string(kMediaModel), "sha256:" + model.sha256, model.size, model.path});
  say("writing manifest");
  HEARTH_ASSIGN_OR_RETURN(FileLock lock, store.LockStore());
  HEARTH_RETURN_IF_ERROR(store.WriteManifest(target.name, m));
  return m;
}

}  // namespace hearth::store
