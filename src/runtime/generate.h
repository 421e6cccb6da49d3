// The decode loop: samples tokens after a prompt until an end-of-generation token, a stop
// string, num_predict or the end of the context; enforces the thinking budget; streams text.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "runtime/session.h"
#include "sampling/json_schema.h"
#include "sampling/logprobs.h"
#include "sampling/sampler.h"
#include "tokenizer/incremental_detokenizer.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

struct GenerateOptions {
  SamplingParams sampling;
  int num_predict = -1;            // most tokens to generate; -1 = until EOG or the context is full
  std::vector<std::string> stop;   // generation ends before the first occurrence of any of these
  // Thought tokens allowed before `<channel|>` is forced so the model moves on to its answer
  // (-1 = unlimited; 0 closes the channel as soon as it opens).
  int max_thinking_tokens = -1;
  // Constrains the answer to this JSON grammar (Ollama `format`); null = free text. The thought
  // channel stays free; the generation ends ("stop") once the value is complete.
  std::shared_ptr<const JsonGrammar> format;
  // -1: no log-probabilities. 0-kMaxTopLogprobs: each generated token's log-probability plus
  // this many most likely alternatives (TokenEvent::logprobs); costs a vocabulary pass per token.
  int top_logprobs = -1;
  // Final-logit soft-cap of this request (sampling/logit_cap.h): unset = the model's own, 0 =
  // none. Needs model_logit_cap, the cap the forward pass applied (set by the model's owner).
  std::optional<float> logit_cap;
  float model_logit_cap = 0;
};

// Text released by one step (never half a UTF-8 character, never part of a stop string).
// With GenerateOptions::top_logprobs >= 0 every generated token except an ending EOG token
// gives one event carrying its log-probabilities, even when it releases no text yet.
struct TokenEvent {
  int32_t id;
  std::string text;
  std::optional<StepLogprobs> logprobs;
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

// The decode loop one token at a time, for callers that run the model themselves (the server's
// scheduler batches the decode steps of many streams). The caller prefills, then alternates
// Next(logits) with feeding the returned token to the model, until Next returns nothing.
// Not thread-safe; the tokenizer must outlive it.
class ThinkingBudget;  // generate.cc
class FormatGuard;     // format_guard.h

class TokenStream {
 public:
  // Checks what the constructor relies on (sampling ranges, non-empty stop strings).
  [[nodiscard]] static Status Validate(const GenerateOptions& options);

  // on_token (may be empty) sees every released chunk, in order.
  TokenStream(const Tokenizer& tokenizer, const GenerateOptions& options, std::span<const int32_t> prompt,
              std::function<void(const TokenEvent&)> on_token = {});
  ~TokenStream();
  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;

  // Samples after `logits` (the model's output after the last fed token). Returns the token to
  // feed next, or nothing when the generation has ended (result().done_reason says why).
  // context_full: the context has no room for another token.
  std::optional<int32_t> Next(std::span<const float> logits, bool context_full);
  // Ends the generation now with done_reason "cancel".
  void Cancel() { End("cancel"); }
  bool done() const { return !result_.done_reason.empty(); }
  // The stats' prompt fields are the caller's to fill.
  GenerateResult& result() { return result_; }

 private:
  // Samples under options_.format: a refused draw is banned and redrawn a few times, then every
  // refused id is banned at once, so a valid token is found whenever one exists. Nothing when
  // no token fits.
  std::optional<int32_t> SampleFormatted(std::span<const float> logits);
  void Emit(int32_t id, std::string text, std::optional<StepLogprobs> logprobs = std::nullopt);
  bool CutAtStop(std::string& chunk) const;
  // Flushes held-back text (unless a stop string ended it) and stops the clock.
  void End(const char* reason, bool stopped_by_string = false);

  const Tokenizer& tokenizer_;
  GenerateOptions options_;
  std::function<void(const TokenEvent&)> on_token_;
  Sampler sampler_;
  std::unique_ptr<ThinkingBudget> budget_;
  std::unique_ptr<FormatGuard> guard_;  // null without a format
  std::vector<int32_t> banned_;         // SampleFormatted's scratch
  IncrementalDetokenizer detok_;
  std::vector<int32_t> history_;
  std::vector<float> recapped_;  // the logits under options_.logit_cap
  std::chrono::steady_clock::time_point t_eval_;
  GenerateResult result_;
};

// Prefills `prompt` into the session and runs a TokenStream on it to the end.
// on_token may be empty; `cancel` (may be null) is polled between tokens.
Result<GenerateResult> Generate(Session& session, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                                const GenerateOptions& options,
                                const std::function<void(const TokenEvent&)>& on_token = {},
                                const std::atomic<bool>* cancel = nullptr);

}  // namespace hearth
