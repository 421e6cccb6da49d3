#include "runtime/session.h"

#include <algorithm>

namespace hearth {

Session::Session(const Gemma4Model& model, int n_ctx, ThreadPool& pool, KernelMode mode, int max_batch,
                 GgmlType kv_type)
    : model_(model), pool_(pool), mode_(mode),
      cache_(model.NewCache(n_ctx, max_batch, Gemma4Model::KvCacheTypeFor(mode, kv_type))),
      logits_(static_cast<size_t>(model.n_vocab())) {}

void Session::Clear() {
  cache_->Clear();
  tokens_.clear();
}

Result<std::span<const float>> Session::Prefill(std::span<const int32_t> tokens) {
  if (tokens.empty()) return InvalidArgument("empty prompt");
  if (tokens.size() > static_cast<size_t>(n_ctx())) {
    return OutOfRange("prompt of " + std::to_string(tokens.size()) + " tokens does not fit the context of " +
                      std::to_string(n_ctx()) + " tokens");
  }
  // Longest common prefix, keeping at least one token to compute so its logits come out.
  size_t common = 0;
  const size_t limit = std::min(tokens_.size(), tokens.size() - 1);
  while (common < limit && tokens_[common] == tokens[common]) ++common;
  if (!cache_->CanRewindTo(static_cast<int64_t>(common))) common = 0;
  cache_->set_n_past(static_cast<int64_t>(common));
  tokens_.resize(common);
  last_reused_ = static_cast<int64_t>(common);

  const size_t batch = static_cast<size_t>(cache_->max_batch());
  for (size_t start = common; start < tokens.size(); start += batch) {
    const size_t count = std::min(batch, tokens.size() - start);
    const bool last = start + count == tokens.size();
    const int out_row = static_cast<int>(count) - 1;
    std::span<const int> rows = last ? std::span<const int>(&out_row, 1) : std::span<const int>();
    Status st = model_.Forward(tokens.subspan(start, count), *cache_, rows, logits_.data(), pool_, mode_);
    if (!st.ok()) {
      Clear();  // a half-written batch leaves the cache inconsistent
      return st;
    }
    tokens_.insert(tokens_.end(), tokens.begin() + static_cast<std::ptrdiff_t>(start),
                   tokens.begin() + static_cast<std::ptrdiff_t>(start + count));
  }
  return std::span<const float>(logits_);
}

Result<std::span<const float>> Session::Decode(int32_t token) {
  if (tokens_.size() >= static_cast<size_t>(n_ctx())) {
    return OutOfRange("context of " + std::to_string(n_ctx()) + " tokens is full");
  }
  const int row = 0;
  HEARTH_RETURN_IF_ERROR(
      model_.Forward(std::span<const int32_t>(&token, 1), *cache_, std::span<const int>(&row, 1), logits_.data(), pool_, mode_));
  tokens_.push_back(token);
  return std::span<const float>(logits_);
}

Status Session::DecodeBatch(std::span<Session* const> sessions, std::span<const int32_t> tokens) {
  if (sessions.empty()) return InvalidArgument("empty decode batch");
  if (sessions.size() != tokens.size()) return InvalidArgument("decode batch needs one token per session");
  const Gemma4Model& model = sessions[0]->model_;
  std::vector<KvCache*> caches;
  caches.reserve(sessions.size());
  for (Session* s : sessions) {
    if (&s->model_ != &model) return InvalidArgument("sessions of one decode batch must share the model");
    if (s->tokens_.size() >= static_cast<size_t>(s->n_ctx())) {
      return OutOfRange("context of " + std::to_string(s->n_ctx()) + " tokens is full");
    }
    caches.push_back(s->cache_.get());
  }
  const size_t V = static_cast<size_t>(model.n_vocab());
  std::vector<float> logits(sessions.size() * V);
  HEARTH_RETURN_IF_ERROR(
      model.ForwardDecodeBatch(tokens, caches, logits.data(), sessions[0]->pool_, sessions[0]->mode_));
  for (size_t i = 0; i < sessions.size(); ++i) {
    std::copy_n(logits.data() + i * V, V, sessions[i]->logits_.data());
    sessions[i]->tokens_.push_back(tokens[i]);
  }
  return Status::Ok();
}

}  // namespace hearth
