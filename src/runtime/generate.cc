#include "runtime/generate.h"

#include <chrono>

#include "tokenizer/incremental_detokenizer.h"

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

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

}  // namespace

Result<GenerateResult> Generate(Session& session, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const std::function<void(const TokenEvent&)>& on_token,
                                const std::atomic<bool>* cancel) {
  HEARTH_RETURN_IF_ERROR(options.sampling.Validate());
  for (const std::string& s : options.stop) {
    if (s.empty()) return InvalidArgument("stop strings must not be empty");
  }
  GenerateResult result;
  const Clock::time_point t_prompt = Clock::now();
  HEARTH_ASSIGN_OR_RETURN(std::span<const float> logits, session.Prefill(prompt));
  result.stats.prompt_tokens = static_cast<int64_t>(prompt.size());
  result.stats.prompt_reused = session.last_reused();
  result.stats.prompt_seconds = SecondsSince(t_prompt);

  Sampler sampler(options.sampling);
  ThinkingBudget budget(tokenizer, options.max_thinking_tokens, prompt);
  // Control markers stay in the text (the output parser needs them); stop strings are held
  // back until they are complete or ruled out.
  IncrementalDetokenizer detok(tokenizer, {.render_special = true, .hold_back = options.stop});
  std::vector<int32_t> history(prompt.begin(), prompt.end());
  const Clock::time_point t_eval = Clock::now();

  auto emit = [&](int32_t id, std::string text) {
    result.text += text;
    if (on_token) on_token(TokenEvent{id, std::move(text)});
  };
  // Cuts `chunk` at the first complete stop string; true when one was found.
  auto cut_at_stop = [&](std::string& chunk) {
    size_t cut = std::string::npos;
    for (const std::string& s : options.stop) cut = std::min(cut, chunk.find(s));
    if (cut == std::string::npos) return false;
    chunk.resize(cut);
    return true;
  };

  bool stopped_by_string = false;
  for (;;) {
    if (cancel != nullptr && cancel->load()) {
      result.done_reason = "cancel";
      break;
    }
    if (options.num_predict >= 0 && result.stats.eval_count >= options.num_predict) {
      result.done_reason = "length";
      break;
    }
    const int32_t id = budget.Filter(sampler.Sample(logits, history));
    result.ids.push_back(id);
    ++result.stats.eval_count;
    if (tokenizer.IsEog(id)) {
      result.done_reason = "stop";
      break;
    }
    std::string chunk = detok.Push(id);
    if (cut_at_stop(chunk)) {
      emit(id, std::move(chunk));
      stopped_by_string = true;
      result.done_reason = "stop";
      break;
    }
    if (!chunk.empty() || on_token) emit(id, std::move(chunk));
    history.push_back(id);
    if (session.tokens().size() >= static_cast<size_t>(session.n_ctx())) {
      result.done_reason = "length";
      break;
    }
    Result<std::span<const float>> next = session.Decode(id);
    if (!next) return next.error();
    logits = *next;
  }
  if (!stopped_by_string) {
    std::string rest = detok.Flush();
    cut_at_stop(rest);
    if (!rest.empty()) emit(-1, std::move(rest));
  }
  result.stats.eval_seconds = SecondsSince(t_eval);
  return result;
}

}  // namespace hearth
