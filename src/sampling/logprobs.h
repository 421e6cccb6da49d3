// Log-probabilities of one decoding step, for the API's `logprobs` / `top_logprobs` (spec
// ollama-openai-api.md §1.3, §2.1). Pure functions over one logits row; no tokenizer, no state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace hearth {

// Most alternatives a request may ask for per token (Ollama and OpenAI: top_logprobs 0-20).
inline constexpr int kMaxTopLogprobs = 20;
// Reported instead of -inf (a token with no probability at all): JSON has no infinity, and
// OpenAI uses this value for the same case.
inline constexpr float kMinLogprob = -9999.0f;

// InvalidArgument `top_logprobs must be between 0 and 20` unless 0 <= n <= kMaxTopLogprobs (the
// API's exact message; checked where requests are decoded and where generation starts).
Status CheckTopLogprobs(double n);

struct TokenLogprob {
  int32_t id = -1;
  float logprob = 0;  // natural log, <= 0, >= kMinLogprob
};

// The chosen token of one step and the most likely tokens of that step.
struct StepLogprobs {
  TokenLogprob chosen;
  std::vector<TokenLogprob> top;  // (<= n_top) most likely first; ties to the lower id
};

// Log-softmax of `logits` (n_vocab; the model's final, soft-capped output) at `chosen`, and its
// `n_top` most likely entries. These are the model's own probabilities, before temperature,
// top-k/top-p and penalties, as llama.cpp's server and Ollama report them: a client compares
// models, not sampler settings. NaN logits count as -inf. One pass for the maximum and one for
// the sum and the top entries (insertion into a list of n_top), so the cost is O(n_vocab) and
// is only paid when a request asks for log-probabilities.
StepLogprobs ComputeStepLogprobs(std::span<const float> logits, int32_t chosen, int n_top);

}  // namespace hearth
