// The memory model: what a Gemma 4 model costs in RAM (or VRAM) at a given context, from its
// real tensor shapes and types — weights, K/V cache, compute buffers and runtime overhead.
// One model for two callers: `hearth recommend` (shapes of the released variants, planned by the
// test-model generator without writing a byte) and a loader deciding whether a file fits.
// Sizes in bytes. K/V bytes come from KvCache::BytesFor, the formula the cache allocates with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "kv_cache/kv_cache.h"
#include "kv_cache/kv_cache_type.h"
#include "model/gemma4/gemma4_model.h"

namespace hearth {

// Rows of token_embd in every released Gemma 4 (spec gemma4-text-model.md §b, vocab V).
inline constexpr int kGemma4VocabSize = 262144;

// A model's context-independent costs.
struct ModelFootprint {
  std::string label;              // "E2B Q4_K_M", or the file path
  uint64_t n_params = 0;
  uint64_t weight_bytes = 0;      // all tensor data, as stored in the GGUF
  // per_layer_token_embd (E2B/E4B): a lookup table read one row per token, so the kernel pages
  // in only the rows used and may drop them again; memory-mapped, it needs no resident RAM.
  uint64_t paged_bytes = 0;
  // Weight bytes one decode step reads: everything resident except the routed experts not
  // chosen (MoE reads n_expert_used of n_expert). Bounds decode speed by memory bandwidth.
  uint64_t bytes_per_token = 0;
  std::vector<KvLayerSpec> kv_layers;
  int sliding_window = 0;
  int n_ctx_train = 0;
  int n_vocab = 0;
  int64_t n_embd = 0, n_layer = 0, n_embd_per_layer = 0;
  int64_t max_q_width = 0, max_kv_width = 0, max_ff = 0;  // widest attention and FFN rows

  uint64_t resident_weight_bytes() const { return weight_bytes - paged_bytes; }
};

struct MemoryEstimate {
  uint64_t weights = 0;   // resident weights (ModelFootprint::resident_weight_bytes)
  uint64_t paged = 0;     // mapped, paged on demand (not in total)
  uint64_t kv = 0;
  uint64_t compute = 0;   // activations of one prefill batch, logits, quantized activations
  uint64_t overhead = 0;  // tokenizer tables, thread stacks, allocator slack
  uint64_t total() const { return weights + kv + compute + overhead; }
};

// The footprint of a loaded model (its file's tensors and KV layout).
ModelFootprint FootprintOfModel(const Gemma4Model& model);

// A released variant ("E2B", "E4B", "26B-A4B", "31B") in a quant mix ("Q4_0", "Q4_K_M",
// "Q5_K_M", "Q6_K", "Q8_0", "BF16"): the tensors `hearth make-test-model --preset` would write.
Result<ModelFootprint> FootprintOfVariant(const std::string& variant, const std::string& quant);
const std::vector<std::string>& VariantNames();  // smallest first
const std::vector<std::string>& QuantNames();    // lowest quality first

// Memory to run `fp` with a context of n_ctx tokens, prefilled max_batch at a time (the
// Session default is 512), with K/V cache elements of `kv_type` (kv_cache_type.h).
MemoryEstimate EstimateMemory(const ModelFootprint& fp, int n_ctx, int max_batch = 512,
                              GgmlType kv_type = GgmlType::kF32);

// ResourceExhausted, with the numbers, when the estimate exceeds `budget` bytes.
Status CheckFits(const ModelFootprint& fp, int n_ctx, uint64_t budget, GgmlType kv_type = GgmlType::kF32);

std::string FormatGiB(uint64_t bytes);  // "2.61 GiB"

}  // namespace hearth
