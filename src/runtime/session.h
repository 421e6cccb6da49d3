// One conversation's state on a loaded model: its K/V cache and the tokens the cache holds.
// Prefill reuses the longest common prefix with what is already cached (multi-turn chat and
// agents re-send the whole conversation), so only the new suffix is computed.
// Not thread-safe; the model and pool are borrowed and must outlive the session.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/gemma4/gemma4_model.h"

namespace hearth {

class Session {
 public:
  // n_ctx: the most tokens the session can hold; prompts are prefilled max_batch at a time; K/V
  // elements of kv_type (f32 with the reference kernels, Gemma4Model::KvCacheTypeFor).
  Session(const Gemma4Model& model, int n_ctx, ThreadPool& pool, KernelMode mode = KernelMode::kFast,
          int max_batch = 512, GgmlType kv_type = GgmlType::kF32);

  // Makes the cache hold exactly `tokens` and returns the logits after the last one (n_vocab
  // floats, valid until the next call). Reuses the cached prefix when the cache can rewind to
  // it; otherwise recomputes from the start.
  Result<std::span<const float>> Prefill(std::span<const int32_t> tokens);
  // Appends one token and returns the logits after it.
  Result<std::span<const float>> Decode(int32_t token);
  // Continuous batching: appends tokens[i] to sessions[i] (distinct sessions of one model) in a
  // single forward pass; afterwards each session's logits() are those after its token.
  [[nodiscard]] static Status DecodeBatch(std::span<Session* const> sessions, std::span<const int32_t> tokens);
  // The logits after the last token (n_vocab floats).
  std::span<const float> logits() const { return logits_; }

  const std::vector<int32_t>& tokens() const { return tokens_; }
  int n_ctx() const { return cache_->n_ctx(); }
  // Tokens taken from the cache instead of recomputed by the last Prefill.
  int64_t last_reused() const { return last_reused_; }
  void Clear();
  size_t kv_bytes() const { return cache_->bytes(); }

 private:
  const Gemma4Model& model_;
  ThreadPool& pool_;
  KernelMode mode_;
  std::unique_ptr<KvCache> cache_;
  std::vector<int32_t> tokens_;  // what the cache holds, position i = tokens_[i]
  std::vector<float> logits_;    // [n_vocab] after the last token
  int64_t last_reused_ = 0;
};

}  // namespace hearth
