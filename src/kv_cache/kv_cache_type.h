// The element type of the K/V cache (spec gemma4-text-model.md §f): f32 (the default, exact), f16
// (half the bytes) or q8_0 (GGUF Q8_0 blocks of 32: one f16 scale and 32 int8, 34 bytes per 32
// values, 27% of f32). Chosen per process by HEARTH_KV_CACHE_TYPE (or Ollama's
// OLLAMA_KV_CACHE_TYPE) and the commands' --kv-cache-type flag, and handed to what makes caches
// (Session, the server's EngineOptions) and plans memory (EstimateMemory, RecommendOptions).
#pragma once

#include <string_view>

#include "base/status.h"
#include "tensor/dtype.h"

namespace hearth {

// "f32", "f16" or "q8_0" (case-insensitive) → the type; anything else is InvalidArgument naming the
// valid values and `source` (a flag or variable name).
Result<GgmlType> ParseKvCacheType(std::string_view name, std::string_view source);

// HEARTH_KV_CACHE_TYPE, else OLLAMA_KV_CACHE_TYPE, else f32.
Result<GgmlType> KvCacheTypeFromEnvironment();

}  // namespace hearth
