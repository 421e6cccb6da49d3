// Where `hearth serve` gets its models: the --model file (pinned) and the model store
// ($HEARTH_MODELS), turned into the hooks ModelManager runs on: resolving a request's model
// name, loading a GGUF into an Engine with its memory estimate, and the memory budget
// (HEARTH_MEMORY_LIMIT, else the machine's available RAM).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "server/engine.h"
#include "server/model_manager.h"

namespace hearth::server {

struct ModelSourceOptions {
  std::optional<ModelSpec> pinned;  // --model, served under its --name besides the store
  EngineOptions engine;             // per-engine settings (name and path are filled per model)
  std::optional<uint64_t> memory_limit;  // HEARTH_MEMORY_LIMIT; unset = available RAM
};

// "8GiB", "512 MiB", "2.5GB", "1000000" (bytes). Binary (KiB, MiB, GiB, TiB) and decimal
// (KB, MB, GB, TB) units, case-insensitive.
[[nodiscard]] Result<uint64_t> ParseByteSize(std::string_view text);

// What the loaded model costs: its weights and buffers once, and the K/V cache and compute
// buffers of every slot (each slot is a Session of its own).
uint64_t EngineMemoryBytes(const Engine& engine);

// A store model's spec (GGUF blob, manifest digest, Modelfile settings). NotFound in Ollama's
// words ("model 'x' not found, try pulling it first") for names the store does not have.
[[nodiscard]] Result<ModelSpec> StoreModelSpec(const std::string& name);

// The spec for a --model argument that is a file: `file` is the GGUF path, `name` its API name.
ModelSpec PinnedSpec(const std::string& file, const std::string& name);

ManagerHooks StoreModelHooks(ModelSourceOptions opts);

}  // namespace hearth::server
