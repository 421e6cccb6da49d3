// One loaded model behind `hearth serve` (ModelManager owns them). Requests share it through the Scheduler
// (continuous batching over num_parallel slots, each with its own K/V cache); Prepare admits a
// request within the bound num_parallel + max_queue or refuses it (503), and Run feeds the
// scheduler's output through the chat output parser on the caller's (HTTP) thread, so a slow
// client never stalls the other streams.
// Thread-safe; the ModelBundle is owned and immutable after construction.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "chat/output_parser.h"
#include "runtime/generate.h"
#include "runtime/model_bundle.h"
#include "server/api_types.h"
#include "server/metrics.h"
#include "server/scheduler.h"

namespace hearth::server {

using Clock = std::chrono::steady_clock;

struct EngineOptions {
  std::string name;               // the model's name in the API ("gemma4:latest")
  std::string path;               // the GGUF file
  int default_ctx = 0;            // 0 = min(4096, the model's context length)
  int threads = 0;                // 0 = ThreadPool::DefaultThreadCount()
  int num_parallel = 4;           // sequences generated together (slots)
  int max_queue = 8;              // requests allowed to wait while all slots are busy; more get 503
  double max_wait_seconds = 600;  // a waiting request gives up (503) after this long
  GgmlType kv_cache_type = GgmlType::kF32;  // every slot's K/V elements (kv_cache_type.h)
};

// One chunk for the client: parsed text, plus the log-probabilities of the tokens whose text it
// releases (when the request asked for them). A token whose text the parser holds back (part of
// a marker, a stop string, half a character) is reported with the chunk that releases it.
struct TurnDelta {
  ParseDelta parsed;
  std::vector<StepLogprobs> logprobs;
  // The tokens that spell parsed.content_delta (OpenAI `logprobs.content`): those of a chunk
  // that carries content, less the channel and tool-call markers the parser removed from the
  // text (raw requests keep them, as their text does). Empty for thought-only or tool-call chunks.
  std::vector<StepLogprobs> content_logprobs;
};

// What a finished turn produced. For raw requests the text goes to `content` unparsed.
struct TurnResult {
  std::string thinking, content;
  std::vector<ParsedToolCall> tool_calls;
  // Non-streaming turns only (Run without on_delta; a streaming caller has them in its deltas):
  std::vector<StepLogprobs> logprobs;          // every generated token but an ending EOG, when asked
  std::vector<StepLogprobs> content_logprobs;  // the TurnDelta::content_logprobs of every chunk
  std::string done_reason;  // "stop", "length" or "cancel"
  GenerateStats stats;
  int64_t load_ns = 0;   // request start -> prompt ready to be queued
  int64_t total_ns = 0;  // request start -> end of generation
};

// A place within the engine's bound on accepted requests, given back when destroyed.
class Admission {
 public:
  explicit Admission(std::atomic<int>* counter = nullptr) : counter_(counter) {}
  ~Admission() {
    if (counter_ != nullptr) counter_->fetch_sub(1);
  }
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

 private:
  std::atomic<int>* counter_;
};

// An admitted turn with its prompt tokenized; Engine::Run generates it.
struct PreparedTurn {
  // What keeps the engine loaded while the turn lives (a ModelLease); first, so destroyed last,
  // after `admission` has given its place back to the engine.
  std::shared_ptr<void> hold;
  TurnRequest req;
  std::vector<int32_t> prompt;
  std::string suffix;  // end of the rendered prompt, seen by the parser first
  int n_ctx = 0;
  Clock::time_point start;
  std::atomic<bool> cancel{false};  // set by the route when the client goes away
  std::unique_ptr<Admission> admission;

  bool wants_logprobs() const { return req.gen.top_logprobs >= 0; }
};

class Engine {
 public:
  // `metrics` (shared by every engine of the server) must outlive the engine.
  Engine(ModelBundle bundle, EngineOptions opts, Metrics& metrics);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::string& name() const { return opts_.name; }
  const ModelBundle& bundle() const { return bundle_; }
  const EngineOptions& options() const { return opts_; }
  // The context of the slot that most recently started a request (options.num_ctx may vary).
  int current_ctx() const { return scheduler_->last_ctx(); }

  // Admits the request (Unavailable when num_parallel + max_queue are already admitted), sizes
  // the context, renders and tokenizes the prompt.
  // Unavailable when busy or shutting down, InvalidArgument/OutOfRange for bad input.
  [[nodiscard]] Result<std::unique_ptr<PreparedTurn>> Prepare(TurnRequest req, Clock::time_point start);
  // Queues the turn for a slot and generates; on_delta sees every parsed chunk in order (raw:
  // content only; a chunk may carry only log-probabilities), on the calling thread.
  // Unavailable when no slot freed up within max_wait_seconds.
  // client_alive (may be empty) is polled every 200 ms while the turn waits for a slot and while
  // it generates; when it says the client is gone (or turn.cancel is set) a waiting turn leaves
  // the queue with Cancelled and a generating one stops at the scheduler's next step.
  [[nodiscard]] Result<TurnResult> Run(PreparedTurn& turn, const std::function<void(const TurnDelta&)>& on_delta,
                                       const std::function<bool()>& client_alive = {});

  // Makes every running and future generation stop at its next token.
  void Shutdown();

  // Queue depth, active slots and slots, for GET /metrics.
  GaugeValues Gauges() const;

 private:
  ModelBundle bundle_;
  EngineOptions opts_;
  std::unique_ptr<ThreadPool> pool_;
  Metrics& metrics_;
  std::atomic<int> admitted_{0};  // PreparedTurns alive (running or waiting)
  std::atomic<bool> shutting_down_{false};
  std::unique_ptr<Scheduler> scheduler_;  // last: its loop uses the members above
};

}  // namespace hearth::server
