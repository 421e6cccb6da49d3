// `hearth show FILE`: what a Gemma 4 GGUF holds — architecture, variant, dimensions, per-layer
// attention types, tensor types, file size and KV-cache cost; --json for machines.
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "model/gemma4/gemma4_model.h"

namespace hearth::cli {
namespace {

struct ShowArgs {
  std::string model, kv_cache_type;
  bool json = false;
};

nlohmann::ordered_json Describe(const Gemma4Model& m, GgmlType kv_type) {
  const Gemma4Hparams& hp = m.hparams();
  nlohmann::ordered_json j;
  j["file"] = m.file().path();
  j["file_size"] = m.file().file_size();
  j["architecture"] = "gemma4";
  if (const GgufValue* name = m.file().Find("general.name"); name && name->type == GgufValueType::kString) {
    j["name"] = std::string(name->str);
  }
  j["variant"] = hp.VariantName();
  j["n_layer"] = hp.n_layer;
  j["n_embd"] = hp.n_embd;
  j["n_vocab"] = hp.n_vocab;
  j["context_length"] = hp.n_ctx_train;
  j["sliding_window"] = hp.sliding_window;
  j["n_embd_per_layer"] = hp.n_embd_per_layer;
  j["shared_kv_layers"] = hp.shared_kv_layers;
  j["n_expert"] = hp.n_expert;
  j["final_logit_softcap"] = hp.final_logit_softcap;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (size_t il = 0; il < hp.layers.size(); ++il) {
    const Gemma4LayerParams& l = hp.layers[il];
    nlohmann::ordered_json e = {{"attention", l.kind == AttentionKind::kFull ? "full" : "sliding"},
                                {"n_head", l.n_head}, {"n_head_kv", l.n_head_kv}, {"head_dim", l.head_dim},
                                {"n_ff", l.n_ff}, {"kv_source", l.kv_source},
                                {"k_eq_v", l.owns_kv && m.weights().layers[il].attn_v.data == nullptr},
                                {"moe", m.weights().layers[il].is_moe()}};
    layers.push_back(e);
  }
  j["layers"] = layers;
  std::map<std::string, uint64_t> counts, bytes;
  for (const GgufTensorInfo& t : m.file().tensors()) {
    const std::string type(DtypeName(t.type));
    ++counts[type];
    bytes[type] += t.n_bytes;
  }
  nlohmann::ordered_json hist = nlohmann::ordered_json::object();
  for (const auto& [type, c] : counts) hist[type] = {{"tensors", c}, {"bytes", bytes[type]}};
  j["tensor_types"] = hist;
  // KV bytes for 1024 tokens: full layers pay per token, sliding layers at most their window.
  j["kv_cache_type"] = DtypeName(kv_type);
  j["kv_bytes_per_1k_tokens"] = KvCache::BytesFor(m.KvLayout(), 1024, hp.sliding_window, 1, kv_type);
  j["kv_bytes_at_context_length"] = KvCache::BytesFor(m.KvLayout(), hp.n_ctx_train, hp.sliding_window, 1, kv_type);
  return j;
}

void PrintText(const nlohmann::ordered_json& j) {
  std::printf("  file            %s (%.1f MiB)\n", j["file"].get<std::string>().c_str(),
              j["file_size"].get<double>() / (1 << 20));
  std::printf("  architecture    gemma4 (%s)\n", j["variant"].get<std::string>().c_str());
  std::printf("  layers          %d\n  embedding       %d\n  vocabulary      %d\n  context length  %d\n",
              j["n_layer"].get<int>(), j["n_embd"].get<int>(), j["n_vocab"].get<int>(), j["context_length"].get<int>());
  std::printf("  sliding window  %d\n  per-layer embd  %d\n  shared-KV       %d layers\n  experts         %d\n",
              j["sliding_window"].get<int>(), j["n_embd_per_layer"].get<int>(), j["shared_kv_layers"].get<int>(),
              j["n_expert"].get<int>());
  std::string pattern;
  for (const auto& l : j["layers"]) pattern += l["attention"] == "full" ? 'F' : 'S';
  std::printf("  layer types     %s (S = sliding, F = full)\n", pattern.c_str());
  std::printf("  tensor types   ");
  for (const auto& [type, v] : j["tensor_types"].items()) {
    std::printf(" %s×%llu", type.c_str(), static_cast<unsigned long long>(v["tensors"].get<uint64_t>()));
  }
  std::printf("\n  KV cache        %.2f MiB per 1K tokens (%s)\n", j["kv_bytes_per_1k_tokens"].get<double>() / (1 << 20),
              j["kv_cache_type"].get<std::string>().c_str());
}

}  // namespace

RunFn AddShowCommand(CLI::App& app) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* cmd = app.add_subcommand("show", "Describe a Gemma 4 GGUF file");
  cmd->add_option("model", a->model, "GGUF model file or model name in the store")->required();
  cmd->add_flag("--json", a->json, "Print JSON");
  AddKvCacheTypeOption(cmd, a->kv_cache_type);
  return [a] {
    Result<GgmlType> kv_type = ResolveKvCacheType(a->kv_cache_type);
    if (!kv_type) return Fail(kv_type.error());
    Result<std::string> path = ResolveModelFile(a->model);
    if (!path) return Fail(path.error());
    Result<std::unique_ptr<Gemma4Model>> model = Gemma4Model::Load(*path);
    if (!model) return Fail(model.error());
    const nlohmann::ordered_json j = Describe(**model, *kv_type);
    if (a->json) {
      std::printf("%s\n", j.dump(1).c_str());
    } else {
      PrintText(j);
    }
    return 0;
  };
}

}  // namespace hearth::cli
