#include "model/gemma4/gemma4_hparams.h"

#include <algorithm>
#include <cmath>

namespace hearth {
namespace {

constexpr int kMaxLayers = 1024;
constexpr int64_t kMaxDim = 1 << 20;

std::string Key(std::string_view suffix) { return "gemma4." + std::string(suffix); }

// A positive integer key, bounded so later size arithmetic cannot overflow.
Result<int> ReadDim(const GgufFile& f, std::string_view suffix, int64_t max = kMaxDim) {
  const std::string key = Key(suffix);
  HEARTH_ASSIGN_OR_RETURN(uint64_t v, f.GetUint(key));
  if (v > static_cast<uint64_t>(max)) {
    return CorruptFile("key " + key + " = " + std::to_string(v) + " is out of range (max " + std::to_string(max) + ")");
  }
  return static_cast<int>(v);
}

Result<int> ReadDimOr(const GgufFile& f, std::string_view suffix, int fallback) {
  if (!f.Find(Key(suffix))) return fallback;
  return ReadDim(f, suffix);
}

// A key that is either one unsigned value for every layer or an array of exactly n_layer.
Result<std::vector<int>> ReadPerLayer(const GgufFile& f, std::string_view suffix, int n_layer, int fallback) {
  const std::string key = Key(suffix);
  const GgufValue* v = f.Find(key);
  if (v == nullptr) return std::vector<int>(n_layer, fallback);
  if (!v->is_array()) {
    HEARTH_ASSIGN_OR_RETURN(int scalar, ReadDim(f, suffix));
    return std::vector<int>(n_layer, scalar);
  }
  if (v->array_size != static_cast<uint64_t>(n_layer) || v->array_type == GgufValueType::kString ||
      v->array_type == GgufValueType::kArray) {
    return CorruptFile("key " + key + ": expected " + std::to_string(n_layer) + " integers, found an array of " +
                       std::to_string(v->array_size) + " " + std::string(GgufValueTypeName(v->array_type)));
  }
  std::vector<int> out(n_layer);
  for (int i = 0; i < n_layer; ++i) {
    const int64_t x = v->ArrayInt(static_cast<uint64_t>(i));
    if (x < 0 || x > kMaxDim) return CorruptFile("key " + key + "[" + std::to_string(i) + "] = " + std::to_string(x) + " is out of range");
    out[i] = static_cast<int>(x);
  }
  return out;
}

Result<float> ReadFloatOr(const GgufFile& f, std::string_view suffix, float fallback) {
  const std::string key = Key(suffix);
  if (!f.Find(key)) return fallback;
  HEARTH_ASSIGN_OR_RETURN(double v, f.GetFloat(key));
  return static_cast<float>(v);
}

}  // namespace

int Gemma4Hparams::n_full_layers() const {
  return static_cast<int>(std::count_if(layers.begin(), layers.end(),
                                        [](const Gemma4LayerParams& l) { return l.kind == AttentionKind::kFull; }));
}

std::string Gemma4Hparams::VariantName() const {
  if (n_layer == 35 && n_embd == 1536) return "E2B";
  if (n_layer == 42 && n_embd == 2560) return "E4B";
  if (n_layer == 30 && n_expert > 0) return "26B-A4B";
  if (n_layer == 60 && n_embd == 5376) return "31B";
  return "custom";
}

int Gemma4Hparams::MaxKvWidth(AttentionKind kind) const {
  int w = 0;
  for (const Gemma4LayerParams& l : layers) {
    if (l.owns_kv && l.kind == kind) w = std::max(w, l.n_head_kv * l.head_dim);
  }
  return w;
}

Result<Gemma4Hparams> LoadGemma4Hparams(const GgufFile& f) {
  HEARTH_ASSIGN_OR_RETURN(std::string_view arch, f.GetString("general.architecture"));
  if (arch != "gemma4") {
    return Unsupported("architecture '" + std::string(arch) + "' is not gemma4 (hearth runs Gemma 4 models only)");
  }
  Gemma4Hparams hp;
  HEARTH_ASSIGN_OR_RETURN(hp.n_layer, ReadDim(f, "block_count", kMaxLayers));
  if (hp.n_layer == 0) return CorruptFile("key gemma4.block_count is 0");
  HEARTH_ASSIGN_OR_RETURN(hp.n_embd, ReadDim(f, "embedding_length"));
  HEARTH_ASSIGN_OR_RETURN(hp.n_ctx_train, ReadDim(f, "context_length", 1 << 24));
  HEARTH_ASSIGN_OR_RETURN(hp.n_embd_per_layer, ReadDimOr(f, "embedding_length_per_layer_input", 0));
  HEARTH_ASSIGN_OR_RETURN(hp.sliding_window, ReadDim(f, "attention.sliding_window", 1 << 24));
  HEARTH_ASSIGN_OR_RETURN(hp.shared_kv_layers, ReadDimOr(f, "attention.shared_kv_layers", 0));
  HEARTH_ASSIGN_OR_RETURN(hp.n_expert, ReadDimOr(f, "expert_count", 0));
  HEARTH_ASSIGN_OR_RETURN(float eps, ReadFloatOr(f, "attention.layer_norm_rms_epsilon", 1e-6f));
  hp.rms_eps = eps;
  HEARTH_ASSIGN_OR_RETURN(hp.final_logit_softcap, ReadFloatOr(f, "final_logit_softcapping", 30.0f));
  if (hp.n_embd == 0 || hp.sliding_window == 0) return CorruptFile("embedding_length and sliding_window must be positive");
  // NaN or a negative value here turns every activation into NaN without any error later.
  if (!(hp.rms_eps > 0 && hp.rms_eps < 1)) {
    return CorruptFile("key gemma4.attention.layer_norm_rms_epsilon = " + std::to_string(hp.rms_eps) + " is not in (0, 1)");
  }
  if (!(hp.final_logit_softcap > 0) || !std::isfinite(hp.final_logit_softcap)) {
    return CorruptFile("key gemma4.final_logit_softcapping = " + std::to_string(hp.final_logit_softcap) +
                       " is not a finite positive number");
  }
  if (hp.shared_kv_layers >= hp.n_layer) {
    return CorruptFile("key gemma4.attention.shared_kv_layers = " + std::to_string(hp.shared_kv_layers) +
                       " leaves no layer with its own KV cache");
  }

  const int L = hp.n_layer;
  HEARTH_ASSIGN_OR_RETURN(std::vector<int> n_head, ReadPerLayer(f, "attention.head_count", L, 0));
  HEARTH_ASSIGN_OR_RETURN(std::vector<int> n_head_kv, ReadPerLayer(f, "attention.head_count_kv", L, 0));
  HEARTH_ASSIGN_OR_RETURN(std::vector<int> n_ff, ReadPerLayer(f, "feed_forward_length", L, 0));
  HEARTH_ASSIGN_OR_RETURN(std::vector<int> n_expert_used, ReadPerLayer(f, "expert_used_count", L, 0));
  HEARTH_ASSIGN_OR_RETURN(std::vector<int> n_ff_exp, ReadPerLayer(f, "expert_feed_forward_length", L, 0));
  const int default_head_dim = n_head[0] > 0 ? hp.n_embd / n_head[0] : 0;
  HEARTH_ASSIGN_OR_RETURN(int head_dim_full, ReadDimOr(f, "attention.key_length", default_head_dim));
  HEARTH_ASSIGN_OR_RETURN(int value_dim_full, ReadDimOr(f, "attention.value_length", head_dim_full));
  HEARTH_ASSIGN_OR_RETURN(int head_dim_swa, ReadDim(f, "attention.key_length_swa"));
  HEARTH_ASSIGN_OR_RETURN(int value_dim_swa, ReadDimOr(f, "attention.value_length_swa", head_dim_swa));
  if (value_dim_full != head_dim_full || value_dim_swa != head_dim_swa) {
    return Unsupported("value_length must equal key_length (found " + std::to_string(value_dim_full) + "/" +
                       std::to_string(head_dim_full) + ", swa " + std::to_string(value_dim_swa) + "/" +
                       std::to_string(head_dim_swa) + ")");
  }
  HEARTH_ASSIGN_OR_RETURN(int n_rot_full, ReadDimOr(f, "rope.dimension_count", head_dim_full));
  HEARTH_ASSIGN_OR_RETURN(int n_rot_swa, ReadDimOr(f, "rope.dimension_count_swa", n_rot_full));
  // Spec §b: llama.cpp's generic default of 1e4 is wrong for FULL layers; Gemma 4 uses 1e6.
  HEARTH_ASSIGN_OR_RETURN(float base_full, ReadFloatOr(f, "rope.freq_base", 1e6f));
  HEARTH_ASSIGN_OR_RETURN(float base_swa, ReadFloatOr(f, "rope.freq_base_swa", 1e4f));
  for (float base : {base_full, base_swa}) {
    if (!(base > 1) || !std::isfinite(base)) {
      return CorruptFile("key gemma4.rope.freq_base(_swa) = " + std::to_string(base) + " is not a finite number > 1");
    }
  }

  const GgufValue* pattern = f.Find("gemma4.attention.sliding_window_pattern");
  if (pattern == nullptr) return NotFound("key gemma4.attention.sliding_window_pattern is missing");
  if (!pattern->is_array() || pattern->array_type != GgufValueType::kBool ||
      pattern->array_size != static_cast<uint64_t>(L)) {
    return CorruptFile("key gemma4.attention.sliding_window_pattern: expected " + std::to_string(L) + " bools");
  }

  hp.layers.resize(L);
  const int first_shared = L - hp.shared_kv_layers;
  for (int il = 0; il < L; ++il) {
    Gemma4LayerParams& l = hp.layers[il];
    const bool swa = pattern->ArrayBool(static_cast<uint64_t>(il));
    l.kind = swa ? AttentionKind::kSliding : AttentionKind::kFull;
    l.n_head = n_head[il];
    l.n_head_kv = n_head_kv[il] > 0 ? n_head_kv[il] : n_head[il];
    l.head_dim = swa ? head_dim_swa : head_dim_full;
    l.n_rot = swa ? n_rot_swa : n_rot_full;
    l.rope_base = swa ? base_swa : base_full;
    l.n_ff = n_ff[il];
    l.n_expert_used = n_expert_used[il];
    l.n_ff_exp = n_ff_exp[il];
    l.owns_kv = il < first_shared;
    l.kv_source = il;
    const std::string where = "layer " + std::to_string(il) + ": ";
    if (l.n_head == 0 || l.head_dim == 0) return CorruptFile(where + "head_count and key_length must be positive");
    if (l.n_ff == 0) return CorruptFile(where + "feed_forward_length must be positive");
    if (l.n_head % l.n_head_kv != 0) {
      return CorruptFile(where + "head_count " + std::to_string(l.n_head) + " is not a multiple of head_count_kv " +
                         std::to_string(l.n_head_kv));
    }
    if (l.n_rot > l.head_dim || l.n_rot % 2 != 0) {
      return CorruptFile(where + "rope dimension " + std::to_string(l.n_rot) + " does not fit head dim " + std::to_string(l.head_dim));
    }
    if (hp.n_expert > 0 && (l.n_expert_used == 0 || l.n_expert_used > hp.n_expert)) {
      return CorruptFile(where + "expert_used_count " + std::to_string(l.n_expert_used) + " is not in 1.." +
                         std::to_string(hp.n_expert));
    }
  }
  // Shared-KV layers read the cache of the last cache-owning layer of the same attention kind
  // (the HF rule, spec §d.9; llama.cpp hard-codes F-1 / F-2, which agrees for released models).
  for (int il = first_shared; il < L; ++il) {
    int donor = -1;
    for (int j = first_shared - 1; j >= 0; --j) {
      if (hp.layers[j].kind == hp.layers[il].kind) {
        donor = j;
        break;
      }
    }
    if (donor < 0) return CorruptFile("layer " + std::to_string(il) + " shares KV but no earlier layer has its attention type");
    const Gemma4LayerParams& d = hp.layers[donor];
    if (d.n_head_kv != hp.layers[il].n_head_kv || d.head_dim != hp.layers[il].head_dim) {
      return CorruptFile("layer " + std::to_string(il) + ": KV shape differs from its donor layer " + std::to_string(donor));
    }
    hp.layers[il].kv_source = donor;
  }
  return hp;
}

}  // namespace hearth
