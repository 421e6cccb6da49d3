#include "runtime/generate.h"

#include "runtime/format_guard.h"
#include "sampling/logit_cap.h"

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

// Draws under a format before every refused id is banned at once. The model's own choice usually
// fits, and a full vocabulary pass costs about as much as several draws.
constexpr int kFormatDraws = 3;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

// Tracks whether generation is inside the thought channel and forces it closed at the budget
// (spec gemma4-chat-format.md: the budget is enforced by forcing `<channel|>`).
class ThinkingBudget {
 public:
  // `prompt` may end inside an open channel (templates pre-open one after tool results).
  ThinkingBudget(const Tokenizer& tok, int budget, std::span<const int32_t> prompt)
      : open_(tok.TokenId("<|channel>")), close_(tok.TokenId("<channel|>")), budget_(budget) {
    for (int32_t id : prompt) {
      if (id == open_) inside_ = true;
      if (id == close_) inside_ = false;
    }
  }

  // Returns the token to emit instead of `id`.
  int32_t Filter(int32_t id) {
    if (budget_ < 0 || open_ < 0 || close_ < 0) return id;
    if (!inside_) {
      if (id == open_) {
        inside_ = true;
        used_ = 0;
      }
      return id;
    }
    if (id == close_ || used_ >= budget_) {
      inside_ = false;
      return close_;
    }
    ++used_;
    return id;
  }

 private:
  int32_t open_, close_;
  int budget_;
  bool inside_ = false;
  int used_ = 0;
};

Status TokenStream::Validate(const GenerateOptions& options) {
  HEARTH_RETURN_IF_ERROR(options.sampling.Validate());
  if (options.top_logprobs != -1) HEARTH_RETURN_IF_ERROR(CheckTopLogprobs(options.top_logprobs));
  for (const std::string& s : options.stop) {
    if (s.empty()) return InvalidArgument("stop strings must not be empty");
  }
  if (options.logit_cap) {
    HEARTH_RETURN_IF_ERROR(CheckLogitCap(*options.logit_cap));
    if (!(options.model_logit_cap > 0)) return InvalidArgument("logit_cap: the model's own cap is unknown");
  }
  return Status::Ok();
}

TokenStream::TokenStream(const Tokenizer& tokenizer, const GenerateOptions& options, std::span<const int32_t> prompt,
                         std::function<void(const TokenEvent&)> on_token)
    : tokenizer_(tokenizer), options_(options), on_token_(std::move(on_token)), sampler_(options.sampling),
      budget_(std::make_unique<ThinkingBudget>(tokenizer, options.max_thinking_tokens, prompt)),
      // Control markers stay in the text (the output parser needs them); stop strings are held
      // back until they are complete or ruled out.
      detok_(tokenizer, {.render_special = true, .hold_back = options.stop}),
      history_(prompt.begin(), prompt.end()), t_eval_(Clock::now()) {
  if (options.format) guard_ = std::make_unique<FormatGuard>(tokenizer, options.format, prompt);
}

TokenStream::~TokenStream() = default;

std::optional<int32_t> TokenStream::SampleFormatted(std::span<const float> logits) {
  banned_.clear();
  for (int i = 0; i < kFormatDraws; ++i) {
    const int32_t id = sampler_.Sample(logits, history_, banned_);
    if (guard_->Allows(id)) return id;
    banned_.push_back(id);
  }
  banned_.clear();
  guard_->AppendRefused(static_cast<int32_t>(logits.size()), banned_);
  if (banned_.size() >= logits.size()) return std::nullopt;
  const int32_t id = sampler_.Sample(logits, history_, banned_);
  if (guard_->Allows(id)) return id;
  // Every allowed logit is -inf or NaN, so the sampler fell back to the raw argmax: take the
  // lowest allowed id (banned_ is sorted).
  int32_t free_id = 0;
  for (int32_t b : banned_) {
    if (b != free_id) break;
    ++free_id;
  }
  return free_id;
}

void TokenStream::Emit(int32_t id, std::string text, std::optional<StepLogprobs> logprobs) {
  result_.text += text;
  if (on_token_) on_token_(TokenEvent{id, std::move(text), std::move(logprobs)});
}

// Cuts `chunk` at the first complete stop string; true when one was found.
bool TokenStream::CutAtStop(std::string& chunk) const {
  size_t cut = std::string::npos;
  for (const std::string& s : options_.stop) cut = std::min(cut, chunk.find(s));
  if (cut == std::string::npos) return false;
  chunk.resize(cut);
  return true;
}

void TokenStream::End(const char* reason, bool stopped_by_string) {
  if (done()) return;
  result_.done_reason = reason;
  if (!stopped_by_string) {
    std::string rest = detok_.Flush();
    CutAtStop(rest);
    if (!rest.empty()) Emit(-1, std::move(rest));
  }
  result_.stats.eval_seconds = SecondsSince(t_eval_);
}

std::optional<int32_t> TokenStream::Next(std::span<const float> logits, bool context_full) {
  if (done()) return std::nullopt;
  if (options_.num_predict >= 0 && result_.stats.eval_count >= options_.num_predict) {
    End("length");
    return std::nullopt;
  }
  if (options_.logit_cap && *options_.logit_cap != options_.model_logit_cap) {
    RecapLogits(logits, options_.model_logit_cap, *options_.logit_cap, &recapped_);
    logits = recapped_;
  }
  const std::optional<int32_t> sampled =
      guard_ ? SampleFormatted(logits) : std::optional<int32_t>(sampler_.Sample(logits, history_));
  if (!sampled) {
    End("stop");  // no token fits the format
    return std::nullopt;
  }
  const int32_t id = budget_->Filter(*sampled);
  if (guard_) guard_->Accept(id);
  // Of the token actually emitted (a forced `<channel|>` included), from the unsampled logits.
  std::optional<StepLogprobs> logprobs;
  if (options_.top_logprobs >= 0) logprobs = ComputeStepLogprobs(logits, id, options_.top_logprobs);
  result_.ids.push_back(id);
  ++result_.stats.eval_count;
  if (tokenizer_.IsEog(id)) {
    End("stop");
    return std::nullopt;
  }
  std::string chunk = detok_.Push(id);
  if (CutAtStop(chunk)) {
    Emit(id, std::move(chunk), std::move(logprobs));
    End("stop", /*stopped_by_string=*/true);
    return std::nullopt;
  }
  if (!chunk.empty() || on_token_) Emit(id, std::move(chunk), std::move(logprobs));
  history_.push_back(id);
  if (guard_ && guard_->done()) {
    End("stop");  // the value is complete
    return std::nullopt;
  }
  if (context_full) {
    End("length");
    return std::nullopt;
  }
  return id;
}

Result<GenerateResult> Generate(Session& session, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const std::function<void(const TokenEvent&)>& on_token,
                                const std::atomic<bool>* cancel) {
  HEARTH_RETURN_IF_ERROR(TokenStream::Validate(options));
  const Clock::time_point t_prompt = Clock::now();
  HEARTH_ASSIGN_OR_RETURN(std::span<const float> logits, session.Prefill(prompt));
  GenerateStats prompt_stats;
  prompt_stats.prompt_tokens = static_cast<int64_t>(prompt.size());
  prompt_stats.prompt_reused = session.last_reused();
  prompt_stats.prompt_seconds = SecondsSince(t_prompt);

  TokenStream stream(tokenizer, options, prompt, on_token);
  for (;;) {
    if (cancel != nullptr && cancel->load()) {
      stream.Cancel();
      break;
    }
    const bool full = session.tokens().size() >= static_cast<size_t>(session.n_ctx());
    const std::optional<int32_t> id = stream.Next(logits, full);
    if (!id) break;
    Result<std::span<const float>> next = session.Decode(*id);
    if (!next) return next.error();
    logits = *next;
  }
  GenerateResult result = std::move(stream.result());
  result.stats.prompt_tokens = prompt_stats.prompt_tokens;
  result.stats.prompt_reused = prompt_stats.prompt_reused;
  result.stats.prompt_seconds = prompt_stats.prompt_seconds;
  return result;
}

}  // namespace hearth
