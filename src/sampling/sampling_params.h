// SamplingParams: the knobs of the token sampler (sampler.h) and their validation. Plain data,
// copied freely; defaults are Gemma 4's recommended settings.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "base/status.h"

namespace hearth {

// Seed value meaning "draw a fresh seed from std::random_device" (the API's seed -1 maps here).
inline constexpr uint64_t kRandomSeed = std::numeric_limits<uint64_t>::max();

struct SamplingParams {
  // Logits are divided by this before the softmax: < 1 sharpens, > 1 flattens. 0 selects the
  // greedy argmax and consumes no randomness. Range [0, 100].
  float temperature = 1.0f;
  // Keep only the k highest logits; 0 disables the cut. Values >= the vocabulary size mean all.
  int top_k = 64;
  // Nucleus: keep the smallest most-likely set whose probability sums to >= top_p (never fewer
  // than one token). 1 disables. Range [0, 1].
  float top_p = 0.95f;
  // Drop tokens whose probability is below min_p times that of the most likely token. 0
  // disables. Range [0, 1].
  float min_p = 0.0f;
  // llama.cpp-style repetition penalty on tokens seen in the window: positive logits are divided
  // by it, negative ones multiplied. 1 disables. Range (0, 100].
  float repeat_penalty = 1.0f;
  // How many of the most recent history tokens the three penalties look at; 0 disables them,
  // -1 means the whole history.
  int repeat_last_n = 64;
  // OpenAI-style: subtracted once from the logit of every token seen in the window. Range [-2, 2].
  float presence_penalty = 0.0f;
  // OpenAI-style: subtracted once per occurrence in the window. Range [-2, 2].
  float frequency_penalty = 0.0f;
  // Seeds the sampler's std::mt19937_64; kRandomSeed draws one from std::random_device.
  uint64_t seed = kRandomSeed;
  // Token ids that may never be sampled (e.g. from the model file); ids outside the vocabulary
  // are ignored at sampling time. Each id must be >= 0.
  std::vector<int32_t> suppress_tokens;

  // InvalidArgument naming the first field that is NaN or out of its range.
  [[nodiscard]] Status Validate() const;
};

}  // namespace hearth
