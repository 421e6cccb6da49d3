// What a store model asks of the runtime besides its weights: the GGUF path and the Modelfile
// settings kept as layers (SYSTEM, TEMPLATE, PARAMETER, MESSAGE). `hearth run` and `hearth serve`
// apply them as defaults beneath the request's own options (Ollama: Modelfile < request).
// Reads only; a missing optional layer is simply absent.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "store/model_name.h"
#include "store/model_store.h"

namespace hearth::store {

struct ModelConfig {
  std::string model_path;     // the GGUF blob
  std::string system;         // SYSTEM text (meaningful when has_system)
  bool has_system = false;
  std::string template_text;  // TEMPLATE text, "" when the model has none of its own
  // PARAMETER lines as ParametersJson wrote them: Ollama option names -> typed values, `stop` an
  // array of strings.
  nlohmann::json parameters = nlohmann::json::object();
  nlohmann::json messages = nlohmann::json::array();  // MESSAGE lines: [{"role","content"}]
};

// NotFound for an unknown model or a missing blob; CorruptFile when a params or messages layer
// is not the JSON it must be.
[[nodiscard]] Result<ModelConfig> LoadModelConfig(const ModelStore& store, const ModelName& name);

}  // namespace hearth::store
