// MODEL arguments: a GGUF path, the name of a model in the store (resolved to its blob), or for
// `run` and `pull` a name to fetch first (model_ref.h).
#include "cli/model_ref.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "base/ascii.h"
#include "cli/command.h"
#include "hw/detect.h"
#include "hw/recommend.h"

namespace hearth::cli {
namespace {

// Anything path-like that is not a store name goes to the loader as is, so a missing or broken
// file keeps the loader's own error ("No such file", "not a GGUF file").
bool IsFileArgument(const std::string& arg) {
  std::error_code ec;
  const bool path_like = arg.ends_with(".gguf") || arg.ends_with(".GGUF") || arg.starts_with(".");
  return std::filesystem::is_regular_file(arg, ec) || path_like;
}

bool IsGemma4(const store::ModelName& n) {
  return n.host == store::kDefaultHost && n.name_space == store::kDefaultNamespace && AsciiLower(n.model) == "gemma4";
}

std::string NotInStore(const Status& st) {
  return st.message() + " (not a file either); `hearth pull` fetches models, `hearth list` shows the store";
}

// The gemma4 tag for the size `hearth recommend` picks: the plan for RAM, since hearth runs on
// the CPU even when GPUs are present. With nothing usable, the smallest size.
Result<std::string> RecommendedGemma4Tag(std::string* why) {
  const char* file = std::getenv("HEARTH_HARDWARE");
  HEARTH_ASSIGN_OR_RETURN(HardwareInfo hw, file != nullptr && *file != '\0' ? LoadHardwareFile(file)
                                                                            : DetectHardware());
  HEARTH_ASSIGN_OR_RETURN(Recommendation r, Recommend(hw));
  const Plan& plan = r.cpu ? *r.cpu : r.primary;
  if (!plan.pick) {
    *why = "no size fits this machine comfortably (" + plan.budget_reason + "); trying the smallest";
    return std::string("e2b");
  }
  *why = "recommended for this machine: " + plan.pick->variant + " " + plan.pick->quant + ", " + plan.pick->why;
  // Variant names lower-cased are gemma4 tags: e2b, e4b, 26b-a4b, 31b.
  return AsciiLower(plan.pick->variant);
}

}  // namespace

Result<std::string> ResolveModelFile(const std::string& arg) {
  if (IsFileArgument(arg)) return arg;
  Result<store::ModelName> name = store::ParseModelName(arg);
  if (!name) return arg;
  HEARTH_ASSIGN_OR_RETURN(store::ModelStore models, store::ModelStore::OpenDefault());
  Result<std::string> path = models.ModelPath(*name);
  if (!path && path.error().code() == StatusCode::kNotFound) return NotFound(NotInStore(path.error()));
  return path;
}

Result<store::PullTarget> ChoosePullTarget(const std::string& arg, const store::ModelStore& models) {
  HEARTH_ASSIGN_OR_RETURN(store::ModelName name, store::ParseModelName(arg));
  if (!IsGemma4(name) || name.tag_given) return store::ResolvePullTarget(arg);
  const store::StoreEntry* newest = nullptr;
  HEARTH_ASSIGN_OR_RETURN(std::vector<store::StoreEntry> entries, models.List());
  for (const store::StoreEntry& e : entries) {
    if (IsGemma4(e.name) && (newest == nullptr || e.modified > newest->modified)) newest = &e;
  }
  std::string tag, why;
  if (newest != nullptr) {
    tag = newest->name.tag;
    why = "already in the store";
  } else {
    HEARTH_ASSIGN_OR_RETURN(tag, RecommendedGemma4Tag(&why));
  }
  name.tag = tag;
  name.tag_given = true;
  std::fprintf(stderr, "hearth: %s means %s (%s; name a tag to choose another)\n", arg.c_str(),
               name.Display().c_str(), why.c_str());
  return store::ResolvePullTarget(name.Display());
}

Result<ModelRef> ResolveOrPullModel(const std::string& arg) {
  if (IsFileArgument(arg)) return ModelRef{arg, std::nullopt};
  Result<store::ModelName> name = store::ParseModelName(arg);
  if (!name) return ModelRef{arg, std::nullopt};
  HEARTH_ASSIGN_OR_RETURN(store::ModelStore models, store::ModelStore::OpenDefault());
  Result<store::ModelConfig> config = store::LoadModelConfig(models, *name);
  if (config) return ModelRef{config->model_path, std::move(*config)};
  if (config.error().code() != StatusCode::kNotFound || models.ReadManifest(*name).ok()) return config.error();

  Result<store::PullTarget> target = ChoosePullTarget(arg, models);
  if (!target) {
    // Not a name hearth can pull (a local model that is missing): the store's own message.
    if (target.error().code() == StatusCode::kUnsupported) return NotFound(NotInStore(config.error()));
    return target.error();
  }
  if (!models.ReadManifest(target->name).ok()) {
    std::fprintf(stderr, "hearth: %s is not in the store; pulling it\n", target->name.Display().c_str());
    HEARTH_RETURN_IF_ERROR(store::Pull(models, store::HubConfig::FromEnv(), *target).status());
  }
  HEARTH_ASSIGN_OR_RETURN(store::ModelConfig pulled, store::LoadModelConfig(models, target->name));
  return ModelRef{pulled.model_path, std::move(pulled)};
}

}  // namespace hearth::cli
