// The decode loop: samples tokens after a prompt until an end-of-generation token, a stop
// string, num_predict or the end of the context; enforces the thinking budget; streams text.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "runtime/session.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

struct GenerateOptions {
  SamplingParams sampling;
  int num_predict = -1;            // most tokens to generate; -1 = until EOG or the context is full
  std::vector<std::string> stop;   // generation ends before the first occurrence of any of these
  // Thought tokens allowed before `<channel|>` is forced so the model moves on to its answer
  // (-1 = unlimited; 0 closes the channel as soon as it opens).
  int max_thinking_tokens = -1;
};

// Text released by one step (never half a UTF-8 character, never part of a stop string).
struct TokenEvent {
  int32_t id;
  std::string text;
};

struct GenerateStats {
  int64_t prompt_tokens = 0;
  int64_t prompt_reused = 0;     // taken from the KV cache instead of recomputed
  double prompt_seconds = 0;
  int64_t eval_count = 0;        // generated tokens
  double eval_seconds = 0;
};

struct GenerateResult {
  std::vector<int32_t> ids;      // generated ids (an ending EOG token included)
  std::string text;              // their text with control markers, stop string cut off
  std::string done_reason;       // "stop" (EOG or stop string), "length", or "cancel"
  GenerateStats stats;
};

// on_token may be empty; `cancel` (may be null) is polled between tokens.
Result<GenerateResult> Generate(Session& session, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                                const GenerateOptions& options,
                                const std::function<void(const TokenEvent&)>& on_token = {},
                                const std::atomic<bool>* cancel = nullptr);

}  // namespace hearth
