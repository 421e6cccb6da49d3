// Engine: admission, context sizing, prompt rendering, and relaying one turn's generation from
// the scheduler to its HTTP thread.
#include "server/engine.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <mutex>

#include "chat/chat_template.h"

namespace hearth::server {
namespace {

// How often a request waiting for a slot checks that its client is still connected.
constexpr std::chrono::milliseconds kAlivePoll{200};

int64_t Nanos(Clock::duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

}  // namespace

Engine::Engine(ModelBundle bundle, EngineOptions opts, Metrics& metrics)
    : bundle_(std::move(bundle)), opts_(std::move(opts)), metrics_(metrics) {
  const int train_ctx = bundle_.model->hparams().n_ctx_train;
  if (opts_.default_ctx <= 0) opts_.default_ctx = std::min(4096, train_ctx);
  opts_.default_ctx = std::min(opts_.default_ctx, train_ctx);
  opts_.num_parallel = std::max(1, opts_.num_parallel);
  pool_ = std::make_unique<ThreadPool>(opts_.threads > 0 ? opts_.threads : ThreadPool::DefaultThreadCount());
  scheduler_ =
      std::make_unique<Scheduler>(*bundle_.model, *bundle_.tokenizer, *pool_, opts_.num_parallel, opts_.default_ctx,
                                  opts_.kv_cache_type);
}

void Engine::Shutdown() {
  shutting_down_.store(true);
  scheduler_->CancelAll();
}

GaugeValues Engine::Gauges() const {
  return {.queue_depth = scheduler_->waiting(), .active_slots = scheduler_->active(), .slots = scheduler_->n_slots()};
}

Result<std::unique_ptr<PreparedTurn>> Engine::Prepare(TurnRequest req, Clock::time_point start) {
  if (shutting_down_.load()) return Status(StatusCode::kUnavailable, "server is shutting down");
  auto turn = std::make_unique<PreparedTurn>();
  turn->start = start;
  // Bounded queue: num_parallel requests generate and max_queue more may wait for a slot; the
  // place is held until the PreparedTurn is destroyed.
  if (admitted_.fetch_add(1) >= opts_.num_parallel + opts_.max_queue) {
    admitted_.fetch_sub(1);
    return Status(StatusCode::kUnavailable, "server busy, please try again.  maximum pending requests exceeded");
  }
  turn->admission = std::make_unique<Admission>(&admitted_);
  req.gen.model_logit_cap = bundle_.model->hparams().final_logit_softcap;
  HEARTH_RETURN_IF_ERROR(TokenStream::Validate(req.gen));
  const int train_ctx = bundle_.model->hparams().n_ctx_train;
  turn->n_ctx = req.num_ctx > 0 ? req.num_ctx : opts_.default_ctx;
  if (turn->n_ctx > train_ctx) {
    return InvalidArgument("options.num_ctx " + std::to_string(turn->n_ctx) + " exceeds the model's context length " +
                           std::to_string(train_ctx));
  }

  const Tokenizer& tok = *bundle_.tokenizer;
  if (req.raw) {
    HEARTH_ASSIGN_OR_RETURN(turn->prompt, tok.Encode(req.prompt, /*parse_special=*/true, /*add_bos=*/true));
  } else {
    if (bundle_.chat_template.empty()) {
      return InvalidArgument("this model has no chat template (tokenizer.chat_template); use /api/generate with raw");
    }
    ChatRenderOptions opts;
    opts.enable_thinking = req.think;
    opts.bos_token = std::string(tok.TokenText(tok.bos_id()));
    opts.extra_kwargs = req.template_kwargs;
    Result<std::string> text = RenderChat(bundle_.chat_template, req.messages, req.tools, opts);
    if (!text) return InvalidArgument(text.error().WithContext("chat template").message());
    const size_t model_turn = text->rfind("<|turn>model\n");
    turn->suffix = model_turn == std::string::npos ? "" : text->substr(model_turn);
    HEARTH_ASSIGN_OR_RETURN(turn->prompt, tok.Encode(*text, /*parse_special=*/true, /*add_bos=*/false));
  }
  if (turn->prompt.empty()) return InvalidArgument("the prompt is empty");
  const size_t ctx = static_cast<size_t>(turn->n_ctx);
  if (turn->prompt.size() >= ctx) {
    return OutOfRange("prompt of " + std::to_string(turn->prompt.size()) + " tokens does not fit the context of " +
                      std::to_string(ctx) + " tokens");
  }
  turn->req = std::move(req);
  return turn;
}

Result<TurnResult> Engine::Run(PreparedTurn& turn, const std::function<void(const TurnDelta&)>& on_delta,
                               const std::function<bool()>& client_alive) {
  TurnResult out;
  out.load_ns = Nanos(Clock::now() - turn.start);
  OutputParser parser({.return_thinking = true, .generation_prompt_suffix = turn.suffix});
  std::vector<StepLogprobs> held;  // of tokens whose text the parser has not released yet
  const Tokenizer& tok = *bundle_.tokenizer;
  const auto spells_content = [&](const StepLogprobs& s) {
    return turn.req.raw || !(tok.IsControl(s.chosen.id) || tok.IsUserDefined(s.chosen.id));
  };
  // `last`: the end of the turn, where the remaining log-probabilities go out even without text.
  auto take = [&](ParseDelta parsed, bool last) {
    const bool has_text = !parsed.thinking_delta.empty() || !parsed.content_delta.empty() || !parsed.tool_calls.empty();
    if (!has_text && !(last && !held.empty())) return;
    TurnDelta d{.parsed = std::move(parsed), .logprobs = std::move(held)};
    held.clear();
    out.thinking += d.parsed.thinking_delta;
    out.content += d.parsed.content_delta;
    out.tool_calls.insert(out.tool_calls.end(), d.parsed.tool_calls.begin(), d.parsed.tool_calls.end());
    if (!d.parsed.content_delta.empty()) {
      std::copy_if(d.logprobs.begin(), d.logprobs.end(), std::back_inserter(d.content_logprobs), spells_content);
    }
    // A streaming caller has every chunk's log-probabilities; the result collects them otherwise.
    if (on_delta) return on_delta(d);
    out.logprobs.insert(out.logprobs.end(), d.logprobs.begin(), d.logprobs.end());
    out.content_logprobs.insert(out.content_logprobs.end(), d.content_logprobs.begin(), d.content_logprobs.end());
  };
  auto push = [&](TokenEvent& e) {
    if (e.logprobs) held.push_back(std::move(*e.logprobs));
    if (!turn.req.raw) return take(parser.Push(e.text), false);
    ParseDelta d;
    d.content_delta = std::move(e.text);
    take(std::move(d), false);
  };

  Job job;
  job.prompt = turn.prompt;
  job.gen = turn.req.gen;
  job.n_ctx = turn.n_ctx;
  job.cancel = &turn.cancel;
  scheduler_->Submit(&job);
  const Clock::time_point give_up =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts_.max_wait_seconds));
  Clock::time_point last_alive_check = Clock::now();
  std::unique_lock<std::mutex> lk(job.mu);
  for (;;) {
    if (!job.admitted) {
      // Wakes every kAlivePoll to see whether the client is still there, so a request whose
      // client went away leaves the queue instead of taking a slot later.
      job.cv.wait_until(lk, std::min(give_up, Clock::now() + kAlivePoll), [&] { return job.admitted; });
      if (!job.admitted) {
        const bool gone = turn.cancel.load() || (client_alive && !client_alive());
        if (!gone && Clock::now() < give_up) continue;
        lk.unlock();
        // The job cannot be admitted between the check and Withdraw's success.
        if (scheduler_->Withdraw(&job)) {
          if (gone) return Status(StatusCode::kCancelled, "the client went away while the request waited for a slot");
          return Status(StatusCode::kUnavailable, "server busy, please try again (timed out waiting for a slot)");
        }
        lk.lock();
        continue;
      }
    }
    // While it generates, the client is asked again every kAlivePoll: a non-streaming request
    // writes nothing until the end, so only the probe tells that nobody waits for it; cancel then
    // frees the slot at the scheduler's next step.
    const bool woken = job.cv.wait_for(lk, kAlivePoll, [&] { return !job.released.empty() || job.finished; });
    if (client_alive && Clock::now() - last_alive_check >= kAlivePoll) {
      last_alive_check = Clock::now();
      lk.unlock();
      if (!client_alive()) turn.cancel.store(true);
      lk.lock();
    }
    if (!woken) continue;
    // Parse and deliver outside the lock so the scheduler is never blocked by this client.
    std::vector<TokenEvent> released = std::move(job.released);
    job.released.clear();
    const bool finished = job.finished;
    lk.unlock();
    for (TokenEvent& e : released) push(e);
    if (finished) break;
    lk.lock();
  }
  // `finished` was seen under the lock: the scheduler no longer touches the job.
  if (!job.error.ok()) return job.error;
  const GenerateResult& r = job.result;
  take(turn.req.raw ? ParseDelta{} : parser.Finish(), /*last=*/true);
  // Raw: the stream's text is authoritative (stop strings already cut).
  if (turn.req.raw) out.content = r.text;
  out.done_reason = r.done_reason;
  out.stats = r.stats;
  out.total_ns = Nanos(Clock::now() - turn.start);
  metrics_.ObserveTurn(static_cast<double>(out.total_ns) * 1e-9, r.stats.prompt_tokens, r.stats.prompt_reused,
                       r.stats.eval_count);
  return out;
}

}  // namespace hearth::server
