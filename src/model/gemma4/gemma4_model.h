// A loaded Gemma 4 text model: the memory-mapped GGUF, its hyper-parameters and weight views,
// and the batched forward pass (gemma4_forward.cc). Immutable after Load, so one model can serve
// many sequences from many threads as long as each sequence has its own KvCache and scratch.
// Reference implementations mirrored: HF transformers modeling_gemma4.py (Gemma4TextModel) and
// llama.cpp src/models/gemma4.cpp; formulas cite gemma4-text-model.md sections.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/gguf_reader.h"
#include "kernels/matmul.h"
#include "kv_cache/kv_cache.h"
#include "kv_cache/kv_cache_type.h"
#include "model/gemma4/gemma4_hparams.h"
#include "model/gemma4/gemma4_weights.h"

namespace hearth {

class Gemma4Model {
 public:
  static Result<std::unique_ptr<Gemma4Model>> Load(const std::string& path);
  // Takes ownership of an already-opened file (tests, tools).
  static Result<std::unique_ptr<Gemma4Model>> FromFile(GgufFile file);

  const Gemma4Hparams& hparams() const { return hp_; }
  const Gemma4Weights& weights() const { return w_; }
  const GgufFile& file() const { return file_; }
  int n_vocab() const { return hp_.n_vocab; }

  // The cache type a forward in `mode` uses when `requested` was asked for: the reference kernels
  // are the exact-math path and keep f32 K/V whatever was asked.
  static GgmlType KvCacheTypeFor(KernelMode mode, GgmlType requested) {
    return mode == KernelMode::kReference ? GgmlType::kF32 : requested;
  }
  // Layer layout of the K/V cache this model needs.
  std::vector<KvLayerSpec> KvLayout() const;
  // A cache for one sequence of up to n_ctx tokens, prefilled in batches of <= max_batch, with
  // elements of `type` (kv_cache_type.h).
  std::unique_ptr<KvCache> NewCache(int n_ctx, int max_batch = 512, GgmlType type = GgmlType::kF32) const;

  // Runs `tokens` at positions cache.n_past() ... and appends their K/V to the cache.
  // `output_rows` lists batch indices whose logits are wanted (ascending); logits receives
  // output_rows.size() rows of n_vocab, soft-capped (spec §d.13). tokens.size() must not
  // exceed cache.max_batch(); the caller splits longer prompts.
  Status Forward(std::span<const int32_t> tokens, KvCache& cache, std::span<const int> output_rows,
                 float* logits, ThreadPool& pool, KernelMode mode = KernelMode::kFast) const;
  // Continuous batching: appends tokens[i] to caches[i] (each a distinct cache of this model, at
  // its own position) in one forward pass, so every weight is read once for all sequences.
  // logits receives tokens.size() rows of n_vocab, row i for sequence i; equal to what Forward
  // gives each sequence alone.
  Status ForwardDecodeBatch(std::span<const int32_t> tokens, std::span<KvCache* const> caches, float* logits,
                            ThreadPool& pool, KernelMode mode = KernelMode::kFast) const;

 private:
  explicit Gemma4Model(GgufFile file) : file_(std::move(file)) {}

  GgufFile file_;
  Gemma4Hparams hp_;
  Gemma4Weights w_;
};

}  // namespace hearth
