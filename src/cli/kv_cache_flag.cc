// --kv-cache-type: the K/V cache element type of the commands that make or plan caches (run, serve,
// logits, bench, show, recommend), over HEARTH_KV_CACHE_TYPE / OLLAMA_KV_CACHE_TYPE.
#include "cli/command.h"
#include "kv_cache/kv_cache_type.h"

namespace hearth::cli {

void AddKvCacheTypeOption(CLI::App* cmd, std::string& value) {
  cmd->add_option("--kv-cache-type", value,
                  "K/V cache element type: f32 (default, exact), f16 or q8_0 "
                  "(default: $HEARTH_KV_CACHE_TYPE, "
                  "else $OLLAMA_KV_CACHE_TYPE, else f32)");
}

Result<GgmlType> ResolveKvCacheType(const std::string& flag) {
  return flag.empty() ? KvCacheTypeFromEnvironment() : ParseKvCacheType(flag, "--kv-cache-type");
}

}  // namespace hearth::cli
