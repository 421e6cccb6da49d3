// Random-weight Gemma 4 GGUFs for tests and benchmarks (`hearth make-test-model`): the tiny
// presets exercise every architectural feature at small size (e-tiny: Per-Layer Embeddings and
// shared-KV layers; moe-tiny: experts + shared FFN, K=V full layers; dense-tiny: 5:1 pattern,
// K=V, per-type KV heads), the real presets have the released shapes (e2b, e4b, 26b-a4b, 31b)
// and are streamed to disk, never whole in memory. Weight scales keep activations near unit
// variance, so logits are finite and non-degenerate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "kv_cache/kv_cache.h"
#include "tensor/dtype.h"

namespace hearth {

struct TestModelOptions {
  std::string preset = "e-tiny";
  std::string type = "f32";  // f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k iq4_nl iq4_xs q4_k_m q5_k_m
  uint64_t seed = 1;
  std::optional<int> ctx;     // context_length override
  std::optional<int> window;  // sliding_window override
  std::optional<int> n_layer, n_embd, n_ff;  // dimension overrides
  std::string vocab_path;     // GGUF whose tokenizer.* keys are copied
  int n_vocab = 0;            // without vocab_path: a model of this many rows and no tokenizer (unit tests)
  std::string out_path;
};

// Preset names, for help texts and errors.
std::vector<std::string> TestModelPresets();

// What WriteTestModel would write, without writing it (memory planning in src/hw): every tensor
// with its storage type, and the K/V layout the loaded model gets. Ignores vocab_path/out_path;
// `n_vocab` rows are planned for the embedding tables.
struct TestModelTensor {
  std::string name;
  std::vector<int64_t> ne;  // ggml order
  GgmlType type;
};
struct TestModelLayout {
  std::vector<TestModelTensor> tensors;
  std::vector<KvLayerSpec> kv_layers;  // one per layer
  int n_layer = 0, n_embd = 0, n_embd_per_layer = 0;
  int sliding_window = 0, n_ctx_train = 0;
  int n_expert = 0, n_expert_used = 0;
};
Result<TestModelLayout> PlanTestModel(const TestModelOptions& options, int64_t n_vocab);

// Writes the model; returns its size in bytes.
Result<uint64_t> WriteTestModel(const TestModelOptions& options);

}  // namespace hearth
