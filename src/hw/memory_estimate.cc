#include "hw/memory_estimate.h"

#include <algorithm>
#include <cstdio>
#include <span>
#include <string_view>

#include "model/gemma4/gemma4_test_model.h"

namespace hearth {
namespace {

// One weight tensor, seen the same way whether it comes from a file or from a planned preset.
struct WeightTensor {
  std::string_view name;
  std::span<const int64_t> ne;
  GgmlType type;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Fills the weight fields of `fp` from its tensors; n_expert/n_expert_used scale routed experts.
void AddWeights(std::span<const WeightTensor> tensors, int n_expert, int n_expert_used, ModelFootprint& fp) {
  double per_token = 0;
  for (const WeightTensor& t : tensors) {
    int64_t rows = 1;
    for (size_t i = 1; i < t.ne.size(); ++i) rows *= t.ne[i];
    const uint64_t bytes = static_cast<uint64_t>(RowBytes(t.type, t.ne[0]).value_or(0)) * static_cast<uint64_t>(rows);
    fp.n_params += static_cast<uint64_t>(t.ne[0] * rows);
    fp.weight_bytes += bytes;
    if (t.name == "per_layer_token_embd.weight") {
      fp.paged_bytes += bytes;
    } else if (t.name.find("_exps.") != std::string_view::npos && n_expert > 0) {
      per_token += static_cast<double>(bytes) * n_expert_used / n_expert;
    } else {
      per_token += static_cast<double>(bytes);  // token_embd included: it is also the LM head
    }
    if (t.ne.size() >= 2 && EndsWith(t.name, "attn_q.weight")) fp.max_q_width = std::max(fp.max_q_width, t.ne[1]);
    if (t.ne.size() >= 2 && EndsWith(t.name, "ffn_gate.weight")) fp.max_ff = std::max(fp.max_ff, t.ne[1]);
  }
  fp.bytes_per_token = static_cast<uint64_t>(per_token);
  for (const KvLayerSpec& l : fp.kv_layers) fp.max_kv_width = std::max<int64_t>(fp.max_kv_width, l.width);
}

struct VariantRow {
  const char* name;
  const char* preset;  // src/model/gemma4/gemma4_test_model.cc, which holds the released shapes
};
constexpr VariantRow kVariants[] = {{"E2B", "e2b"}, {"E4B", "e4b"}, {"26B-A4B", "26b-a4b"}, {"31B", "31b"}};

// The K-quant mixes are the generator's approximation of llama.cpp's *_K_M rule (see
// UseMoreBits and PlanTensors there): Q6_K for token_embd (tied LM head) and for attn_v and
// ffn_down on the first and last eighth of the layers and every third layer between; rows whose
// length does not fit a 256-block (26B-A4B's 704-wide experts) fall back to Q8_0 / Q5_0.
struct QuantRow {
  const char* name;
  const char* type;  // --type of make-test-model
};
constexpr QuantRow kQuants[] = {{"Q4_0", "q4_0"}, {"Q4_K_M", "q4_k_m"}, {"Q5_K_M", "q5_k_m"},
                                {"Q6_K", "q6_k"}, {"Q8_0", "q8_0"},     {"BF16", "bf16"}};

// Bytes per element of the activation format the quantized kernels convert inputs to (Q8_K:
// 292 bytes per 256 values, the largest of the activation formats).
constexpr double kActivationBytesPerValue = 292.0 / 256.0;

// Process memory that does not scale with the layers: executable, libraries, thread stacks and
// allocator arenas (the base), and what grows with the vocabulary — the GGUF header with the
// token strings, read while parsing, and the tokenizer's tables. Calibrated on the measured peak
// RSS of `hearth run` on an e-tiny model with the real 262144-token vocab: 160 MiB, of which
// 85 MiB weights, KV cache and buffers (bench/memory_check.sh reproduces the measurement).
constexpr uint64_t kBaseOverhead = 40ull << 20;
constexpr uint64_t kOverheadPerVocabEntry = 128;

}  // namespace

ModelFootprint FootprintOfModel(const Gemma4Model& model) {
  const Gemma4Hparams& hp = model.hparams();
  ModelFootprint fp;
  fp.label = model.file().path();
  fp.kv_layers = model.KvLayout();
  fp.sliding_window = hp.sliding_window;
  fp.n_ctx_train = hp.n_ctx_train;
  fp.n_vocab = hp.n_vocab;
  fp.n_embd = hp.n_embd;
  fp.n_layer = hp.n_layer;
  fp.n_embd_per_layer = hp.n_embd_per_layer;
  std::vector<WeightTensor> tensors;
  for (const GgufTensorInfo& t : model.file().tensors()) tensors.push_back({t.name, t.ne, t.type});
  const int n_used = hp.layers.empty() ? 0 : hp.layers.front().n_expert_used;
  AddWeights(tensors, hp.n_expert, n_used, fp);
  return fp;
}

Result<ModelFootprint> FootprintOfVariant(const std::string& variant, const std::string& quant) {
  const auto v = std::find_if(std::begin(kVariants), std::end(kVariants), [&](const VariantRow& r) { return variant == r.name; });
  const auto q = std::find_if(std::begin(kQuants), std::end(kQuants), [&](const QuantRow& r) { return quant == r.name; });
  if (v == std::end(kVariants)) return InvalidArgument("unknown variant '" + variant + "'");
  if (q == std::end(kQuants)) return InvalidArgument("unknown quant '" + quant + "'");
  HEARTH_ASSIGN_OR_RETURN(TestModelLayout layout,
                          PlanTestModel(TestModelOptions{.preset = v->preset, .type = q->type}, kGemma4VocabSize));
  ModelFootprint fp;
  fp.label = variant + " " + quant;
  fp.kv_layers = layout.kv_layers;
  fp.sliding_window = layout.sliding_window;
  fp.n_ctx_train = layout.n_ctx_train;
  fp.n_vocab = kGemma4VocabSize;
  fp.n_embd = layout.n_embd;
  fp.n_layer = layout.n_layer;
  fp.n_embd_per_layer = layout.n_embd_per_layer;
  std::vector<WeightTensor> tensors;
  for (const TestModelTensor& t : layout.tensors) tensors.push_back({t.name, t.ne, t.type});
  AddWeights(tensors, layout.n_expert, layout.n_expert_used, fp);
  return fp;
}

const std::vector<std::string>& VariantNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const VariantRow& r : kVariants) n.push_back(r.name);
    return n;
  }();
  return names;
}

const std::vector<std::string>& QuantNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const QuantRow& r : kQuants) n.push_back(r.name);
    return n;
  }();
  return names;
}

MemoryEstimate EstimateMemory(const ModelFootprint& fp, int n_ctx, int max_batch, GgmlType kv_type) {
  MemoryEstimate m;
  m.weights = fp.resident_weight_bytes();
  m.paged = fp.paged_bytes;
  const int batch = std::max(1, std::min(max_batch, n_ctx));
  m.kv = KvCache::BytesFor(fp.kv_layers, n_ctx, fp.sliding_window, batch, kv_type);
  // Live f32 rows per token at the widest point of a layer (gemma4_forward.cc): the residual
  // stream and the per-layer inputs, plus the larger of attention (normed input, q, k, v, then
  // attention output and projection) and the FFN (normed input, output, gate and up rows).
  const int64_t E = fp.n_embd, Q = fp.max_q_width, KV = fp.max_kv_width, F = fp.max_ff;
  const int64_t attention = E + std::max(Q + 2 * KV, 2 * Q + E);
  const int64_t ffn = 3 * E + 2 * F;  // MoE layers add a routed-sum row of E
  const int64_t floats_per_token = E + fp.n_layer * fp.n_embd_per_layer + std::max(attention, ffn);
  const double activations = static_cast<double>(batch) * static_cast<double>(std::max({E, Q, F})) * kActivationBytesPerValue;
  m.compute = static_cast<uint64_t>(batch) * static_cast<uint64_t>(floats_per_token) * sizeof(float) +
              static_cast<uint64_t>(activations) + static_cast<uint64_t>(fp.n_vocab) * sizeof(float);
  m.overhead = kBaseOverhead + kOverheadPerVocabEntry * static_cast<uint64_t>(fp.n_vocab);
  return m;
}

Status CheckFits(const ModelFootprint& fp, int n_ctx, uint64_t budget, GgmlType kv_type) {
  const MemoryEstimate m = EstimateMemory(fp, n_ctx, 512, kv_type);
  if (m.total() <= budget) return Status::Ok();
  return ResourceExhausted(fp.label + " at a context of " + std::to_string(n_ctx) + " tokens needs about " +
                           FormatGiB(m.total()) + " (weights " + FormatGiB(m.weights) + ", KV cache " +
                           FormatGiB(m.kv) + ", buffers " + FormatGiB(m.compute + m.overhead) + ") but only " +
                           FormatGiB(budget) + " is available");
}

std::string FormatGiB(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

}  // namespace hearth
