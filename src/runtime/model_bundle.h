// Everything a front end needs from one GGUF: the model, its tokenizer, its chat template and
// its recommended sampling defaults (`general.sampling.*`). Immutable after loading.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "model/gemma4/gemma4_model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

struct ModelBundle {
  std::unique_ptr<Gemma4Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string chat_template;   // tokenizer.chat_template; empty if the file has none
  SamplingParams defaults;     // Gemma 4 defaults, overridden by general.sampling.* when present
  double load_seconds = 0;
};

Result<ModelBundle> LoadModelBundle(const std::string& path);

}  // namespace hearth
