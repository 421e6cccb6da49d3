// From a request body to the model that answers it: the keep_alive field, the lease on the
// loaded model, and the store model's Modelfile settings applied beneath the request's own
// (Ollama: PARAMETER < request options; SYSTEM unless the request brings its own; MESSAGE
// history first).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "server/api_types.h"
#include "server/model_manager.h"
#include "store/model_config.h"

namespace hearth::server {

enum class Dialect { kOllamaChat, kOllamaGenerate, kOpenAiChat };

// Leases the model named `model`, loading it when needed. Errors carry the HTTP status the
// client should see: a model that does not fit memory is a 500 (as in Ollama), not a 503 that
// clients would retry.
[[nodiscard]] Result<std::shared_ptr<ModelLease>> AcquireModel(ModelManager& manager, const std::string& model,
                                                               const KeepAlive& keep_alive);

// `body` with `config` applied as defaults for `dialect`. Leaves anything malformed as it is,
// so the request parser reports it.
Json WithModelDefaults(Json body, const store::ModelConfig& config, Dialect dialect);

}  // namespace hearth::server
