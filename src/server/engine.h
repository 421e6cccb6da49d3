// The one loaded model behind `hearth serve` and the one Session that generates for it.
// Requests take turns: a turn holds the engine's lock from Prepare until its PreparedTurn is
// destroyed, so a streaming response keeps it while the client reads. The Session is reused
// across turns, so a follow-up conversation only prefills what is new.
// Thread-safe; the ModelBundle is owned and immutable after construction.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "chat/output_parser.h"
#include "runtime/generate.h"
#include "runtime/model_bundle.h"
#include "runtime/session.h"
#include "server/api_types.h"

namespace hearth::server {

using Clock = std::chrono::steady_clock;

struct EngineOptions {
  std::string name;               // the model's name in the API ("gemma4" -> listed as "gemma4:latest")
  std::string path;               // the GGUF file
  int default_ctx = 0;            // 0 = min(4096, the model's context length)
  int threads = 0;                // 0 = ThreadPool::DefaultThreadCount()
  int max_queue = 8;              // requests allowed to wait while the model is busy; more get 503
  double max_wait_seconds = 600;  // a waiting request gives up (503) after this long
};

// What a finished turn produced. For raw requests the text goes to `content` unparsed.
struct TurnResult {
  std::string thinking, content;
  std::vector<ParsedToolCall> tool_calls;
  std::string done_reason;  // "stop", "length" or "cancel"
  GenerateStats stats;
  int64_t load_ns = 0;   // request start -> lock held and prompt ready
  int64_t total_ns = 0;  // request start -> end of generation
};

// A turn that holds the lock with its prompt tokenized; Engine::Run generates it.
struct PreparedTurn {
  TurnRequest req;
  std::vector<int32_t> prompt;
  std::string suffix;  // end of the rendered prompt, seen by the parser first
  Clock::time_point start;
  std::unique_lock<std::timed_mutex> lock;
  std::atomic<bool> cancel{false};  // set by the route when the client goes away
};

class Engine {
 public:
  Engine(ModelBundle bundle, EngineOptions opts);

  const std::string& name() const { return opts_.name; }
  // "name:latest" unless the name already carries a tag.
  std::string FullName() const;
  // Whether `requested` names this model (case-insensitive; ":latest" optional).
  bool Matches(const std::string& requested) const;
  const ModelBundle& bundle() const { return bundle_; }
  const EngineOptions& options() const { return opts_; }
  int64_t file_size() const { return file_size_; }
  int64_t file_mtime() const { return file_mtime_; }
  // The context of the current Session (may change between requests with options.num_ctx).
  int current_ctx() const { return current_ctx_.load(); }

  // Waits for the lock (bounded), sizes the context, renders and tokenizes the prompt.
  // NotFound for another model, Unavailable when busy, InvalidArgument/OutOfRange for bad input.
  [[nodiscard]] Result<std::unique_ptr<PreparedTurn>> Prepare(TurnRequest req, Clock::time_point start);
  // Generates; on_delta sees every parsed chunk in order (raw: content only).
  [[nodiscard]] Result<TurnResult> Run(PreparedTurn& turn, const std::function<void(const ParseDelta&)>& on_delta);

  // Makes every running and future generation stop at its next token.
  void Shutdown() { shutting_down_.store(true); }

 private:
  [[nodiscard]] Status SizeContext(int num_ctx);

  ModelBundle bundle_;
  EngineOptions opts_;
  int64_t file_size_ = 0, file_mtime_ = 0;
  std::unique_ptr<ThreadPool> pool_;
  std::timed_mutex mu_;               // held by the PreparedTurn that is generating
  std::unique_ptr<Session> session_;  // guarded by mu_
  std::atomic<int> waiting_{0};
  std::atomic<int> current_ctx_{0};  // session_->n_ctx(), readable without mu_
  std::atomic<bool> shutting_down_{false};
};

}  // namespace hearth::server
