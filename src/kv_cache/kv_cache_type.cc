#include "kv_cache/kv_cache_type.h"

#include <cstdlib>
#include <string>

#include "base/ascii.h"

namespace hearth {
namespace {

constexpr GgmlType kKvCacheTypes[] = {GgmlType::kF32, GgmlType::kF16, GgmlType::kQ8_0};

}  // namespace

Result<GgmlType> ParseKvCacheType(std::string_view name, std::string_view source) {
  const std::string lower = AsciiLower(name);
  for (GgmlType t : kKvCacheTypes) {
    if (DtypeName(t) == lower) return t;
  }
  return InvalidArgument(std::string(source) + ": unknown KV cache type \"" + std::string(name) +
                         "\" (valid: f32, f16, q8_0)");
}

Result<GgmlType> KvCacheTypeFromEnvironment() {
  for (const char* var : {"HEARTH_KV_CACHE_TYPE", "OLLAMA_KV_CACHE_TYPE"}) {
    const char* value = std::getenv(var);
    if (value != nullptr && *value != '\0') return ParseKvCacheType(value, var);
  }
  return GgmlType::kF32;
}

}  // namespace hearth
