// What a MODEL argument of `hearth run` and `hearth pull` means, the Ollama way: a GGUF path, a
// model in the store, or a name that can be pulled (gemma4 aliases, hf.co/ORG/REPO[:QUANT]).
// `gemma4` without a tag is not a fixed size: it is the gemma4 model already in the store (the
// most recently written one), else the size `hearth recommend` picks for this machine.
// (ResolveModelFile, for commands that never pull, is declared in cli/command.h.)
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "store/model_config.h"
#include "store/model_store.h"
#include "store/pull.h"

namespace hearth::cli {

// A model ready to load: its GGUF file, and the store's Modelfile settings when it came from the
// store (nullopt for a plain file).
struct ModelRef {
  std::string path;
  std::optional<store::ModelConfig> config;
};

// The pull target for `arg`; for an untagged gemma4, prints one line to stderr saying which tag
// was chosen and why. The hardware is detected, or read from the JSON file named by
// HEARTH_HARDWARE (the format of `hearth recommend --hardware`).
[[nodiscard]] Result<store::PullTarget> ChoosePullTarget(const std::string& arg, const store::ModelStore& models);

// Pulls the model first when `arg` names one that is not in the store yet and can be pulled;
// errors say what was tried.
[[nodiscard]] Result<ModelRef> ResolveOrPullModel(const std::string& arg);

}  // namespace hearth::cli
