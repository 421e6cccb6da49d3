// Engine: the lock and queue, context sizing, prompt rendering and the generation of one turn.
#include "server/engine.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "chat/chat_template.h"

namespace hearth::server {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int64_t Nanos(Clock::duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

}  // namespace

Engine::Engine(ModelBundle bundle, EngineOptions opts) : bundle_(std::move(bundle)), opts_(std::move(opts)) {
  struct stat st {};
  if (stat(opts_.path.c_str(), &st) == 0) {
    file_size_ = static_cast<int64_t>(st.st_size);
    file_mtime_ = static_cast<int64_t>(st.st_mtime);
  }
  const int train_ctx = bundle_.model->hparams().n_ctx_train;
  if (opts_.default_ctx <= 0) opts_.default_ctx = std::min(4096, train_ctx);
  opts_.default_ctx = std::min(opts_.default_ctx, train_ctx);
  pool_ = std::make_unique<ThreadPool>(opts_.threads > 0 ? opts_.threads : ThreadPool::DefaultThreadCount());
  session_ = std::make_unique<Session>(*bundle_.model, opts_.default_ctx, *pool_);
  current_ctx_.store(opts_.default_ctx);
}

std::string Engine::FullName() const {
  return opts_.name.find(':') == std::string::npos ? opts_.name + ":latest" : opts_.name;
}

bool Engine::Matches(const std::string& requested) const {
  const std::string r = Lower(requested);
  return r == Lower(opts_.name) || r == Lower(FullName());
}

Status Engine::SizeContext(int num_ctx) {
  const int train_ctx = bundle_.model->hparams().n_ctx_train;
  const int want = num_ctx > 0 ? num_ctx : opts_.default_ctx;
  if (want > train_ctx) {
    return InvalidArgument("options.num_ctx " + std::to_string(want) + " exceeds the model's context length " +
                           std::to_string(train_ctx));
  }
  if (session_->n_ctx() != want) {
    session_ = std::make_unique<Session>(*bundle_.model, want, *pool_);
    current_ctx_.store(want);
  }
  return Status::Ok();
}

Result<std::unique_ptr<PreparedTurn>> Engine::Prepare(TurnRequest req, Clock::time_point start) {
  if (!Matches(req.model)) return NotFound("model '" + req.model + "' not found");
  auto turn = std::make_unique<PreparedTurn>();
  turn->start = start;
  // Bounded queue: a request that finds the model busy waits only if fewer than max_queue
  // others are already waiting, and then at most max_wait_seconds.
  turn->lock = std::unique_lock<std::timed_mutex>(mu_, std::try_to_lock);
  if (!turn->lock.owns_lock()) {
    if (waiting_.fetch_add(1) >= opts_.max_queue) {
      waiting_.fetch_sub(1);
      return Status(StatusCode::kUnavailable, "server busy, please try again.  maximum pending requests exceeded");
    }
    const bool got = turn->lock.try_lock_for(std::chrono::duration<double>(opts_.max_wait_seconds));
    waiting_.fetch_sub(1);
    if (!got)
      return Status(StatusCode::kUnavailable, "server busy, please try again (timed out waiting for the model)");
  }
  if (shutting_down_.load()) return Status(StatusCode::kUnavailable, "server is shutting down");
  HEARTH_RETURN_IF_ERROR(SizeContext(req.num_ctx));

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
  const size_t ctx = static_cast<size_t>(session_->n_ctx());
  if (turn->prompt.size() >= ctx) {
    return OutOfRange("prompt of " + std::to_string(turn->prompt.size()) + " tokens does not fit the context of " +
                      std::to_string(ctx) + " tokens");
  }
  turn->req = std::move(req);
  return turn;
}

Result<TurnResult> Engine::Run(PreparedTurn& turn, const std::function<void(const ParseDelta&)>& on_delta) {
  TurnResult out;
  out.load_ns = Nanos(Clock::now() - turn.start);
  OutputParser parser({.return_thinking = true, .generation_prompt_suffix = turn.suffix});
  auto take = [&](const ParseDelta& d) {
    out.thinking += d.thinking_delta;
    out.content += d.content_delta;
    out.tool_calls.insert(out.tool_calls.end(), d.tool_calls.begin(), d.tool_calls.end());
    if (on_delta && (!d.thinking_delta.empty() || !d.content_delta.empty() || !d.tool_calls.empty())) on_delta(d);
  };
  Result<GenerateResult> r = Generate(
      *session_, *bundle_.tokenizer, turn.prompt, turn.req.gen,
      [&](const TokenEvent& e) {
        if (shutting_down_.load()) turn.cancel.store(true);
        if (turn.req.raw) {
          ParseDelta d;
          d.content_delta = e.text;
          take(d);
        } else {
          take(parser.Push(e.text));
        }
      },
      &turn.cancel);
  if (!r) return r.error();
  if (turn.req.raw) {
    out.content = r->text;  // Generate's text is authoritative (stop strings already cut)
  } else {
    take(parser.Finish());
  }
  out.done_reason = r->done_reason;
  out.stats = r->stats;
  out.total_ns = Nanos(Clock::now() - turn.start);
  return out;
}

}  // namespace hearth::server
