// ModelSourceOptions -> ManagerHooks: names resolve to the pinned --model file or to a store
// manifest; loads build an Engine and price it with the project's memory model (hw/).
#include "server/model_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "base/ascii.h"
#include "hw/detect.h"
#include "hw/memory_estimate.h"
#include "runtime/model_bundle.h"
#include "store/atomic_file.h"
#include "store/model_store.h"
#include "store/sha256.h"

namespace hearth::server {
Result<ModelSpec> StoreModelSpec(const std::string& name) {
  const std::string not_found = "model '" + name + "' not found, try pulling it first";
  Result<store::ModelName> parsed = store::ParseModelName(name);
  if (!parsed) return NotFound(not_found);
  HEARTH_ASSIGN_OR_RETURN(const store::ModelStore models, store::ModelStore::OpenDefault());
  Result<store::ModelConfig> config = store::LoadModelConfig(models, *parsed);
  if (!config) {
    if (config.error().code() == StatusCode::kNotFound && !models.ReadManifest(*parsed).ok()) {
      return NotFound(not_found);
    }
    return config.error();
  }
  HEARTH_ASSIGN_OR_RETURN(const std::string manifest, store::ReadWholeFile(models.ManifestPath(*parsed)));
  // The store keeps names in lower case (manifest paths), so /api/ps and /api/tags agree.
  return ModelSpec{.name = AsciiLower(parsed->Display()),
                   .path = config->model_path,
                   .digest = store::Sha256Hex(manifest),
                   .config = std::move(*config)};
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  std::string bad(text);
  bad.insert(0, 1, '\'');
  bad.append("' is not a size (bytes, or a number with KiB, MiB, GiB, GB, ...)");
  std::string s(text);
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }), s.end());
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(v) || v < 0) return InvalidArgument(bad);
  const std::string unit = AsciiLower(end);
  struct Unit {
    const char* name;
    double bytes;
  };
  static constexpr Unit kUnits[] = {{"", 1},          {"b", 1},          {"k", 1024},       {"kib", 1024},
                                    {"kb", 1e3},      {"m", 1048576.0},  {"mib", 1048576.0}, {"mb", 1e6},
                                    {"g", 1073741824.0}, {"gib", 1073741824.0}, {"gb", 1e9},
                                    {"t", 1099511627776.0}, {"tib", 1099511627776.0}, {"tb", 1e12}};
  for (const Unit& u : kUnits) {
    if (unit == u.name) {
      const double bytes = v * u.bytes;
      if (bytes > 1.8e19) return InvalidArgument(bad);
      return static_cast<uint64_t>(bytes);
    }
  }
  return InvalidArgument(bad);
}

uint64_t EngineMemoryBytes(const Engine& engine) {
  const ModelFootprint fp = FootprintOfModel(*engine.bundle().model);
  const MemoryEstimate m = EstimateMemory(fp, engine.options().default_ctx, 512, engine.options().kv_cache_type);
  const uint64_t slots = static_cast<uint64_t>(std::max(1, engine.options().num_parallel));
  return m.weights + m.overhead + slots * (m.kv + m.compute);
}

ModelSpec PinnedSpec(const std::string& file, const std::string& name) {
  ModelSpec spec;
  spec.name = name.find(':') == std::string::npos ? name + ":latest" : name;
  spec.path = file;
  spec.pinned = true;
  // A stable identity for the file, not a content hash: hashing a multi-GB file at every start
  // would be too slow. 64 hex digits like a manifest digest.
  struct stat st {};
  const std::string key = file + "\n" + (stat(file.c_str(), &st) == 0 ? std::to_string(st.st_size) + "\n" +
                                                                          std::to_string(st.st_mtime)
                                                                    : std::string());
  spec.digest = store::Sha256Hex(key);
  return spec;
}

ManagerHooks StoreModelHooks(ModelSourceOptions opts) {
  ManagerHooks hooks;
  hooks.resolve = [pinned = opts.pinned](const std::string& name) -> Result<ModelSpec> {
    if (pinned) {
      const std::string r = AsciiLower(name);
      const std::string full = AsciiLower(pinned->name);
      if (r == full || (full.ends_with(":latest") && r == full.substr(0, full.size() - 7))) return *pinned;
    }
    return StoreModelSpec(name);
  };
  hooks.load = [engine_opts = opts.engine](const ModelSpec& spec, Metrics& metrics) -> Result<LoadedModel> {
    HEARTH_ASSIGN_OR_RETURN(ModelBundle bundle, LoadModelBundle(spec.path));
    const int train_ctx = bundle.model->hparams().n_ctx_train;
    if (engine_opts.default_ctx > train_ctx) {
      return InvalidArgument("--ctx " + std::to_string(engine_opts.default_ctx) +
                             " exceeds the context length of " + spec.name + " (" + std::to_string(train_ctx) + ")");
    }
    EngineOptions eo = engine_opts;
    eo.name = spec.name;
    eo.path = spec.path;
    // PARAMETER num_ctx sizes the slots, unless --ctx chose for the whole server.
    if (auto it = spec.config.parameters.find("num_ctx"); eo.default_ctx == 0 && it != spec.config.parameters.end() &&
                                                          it->is_number_integer() && it->get<int64_t>() > 0) {
      eo.default_ctx = static_cast<int>(std::min<int64_t>(it->get<int64_t>(), 1 << 24));
    }
    auto engine = std::make_shared<Engine>(std::move(bundle), eo, metrics);
    const uint64_t bytes = EngineMemoryBytes(*engine);
    return LoadedModel{.engine = engine, .bytes = bytes, .context_length = engine->options().default_ctx};
  };
  hooks.memory_budget = [limit = opts.memory_limit]() -> uint64_t {
    if (limit) return *limit;
    std::ifstream in("/proc/meminfo");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    HardwareInfo hw;
    // Without /proc/meminfo there is nothing to gate on; the OS will say no if it must.
    return ParseMemInfo(text, hw).ok() ? hw.ram_available : UINT64_MAX;
  };
  return hooks;
}

}  // namespace hearth::server
