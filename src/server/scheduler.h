// Continuous batching for `hearth serve`: N slots, each a Session (its own K/V cache) that runs
// one request at a time, and one thread that admits waiting requests into free slots, prefills
// them, and then advances every running request by one token in a single batched forward pass
// (Session::DecodeBatch), so the weights are read once per step for all streams.
// A new request goes to the free slot whose cached tokens share the longest prefix with its
// prompt, so a conversation that comes back only prefills what is new (Session::Prefill).
// Thread-safe: Submit/Withdraw/counters from any thread; slots are touched only by the loop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/gemma4/gemma4_model.h"
#include "runtime/generate.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace hearth::server {

// One request as the scheduler sees it. The submitter owns it and must keep it alive until
// `finished` (or a successful Withdraw); the scheduler never touches it afterwards.
struct Job {
  // Input, read-only while submitted.
  std::span<const int32_t> prompt;
  GenerateOptions gen;
  int n_ctx = 0;
  const std::atomic<bool>* cancel = nullptr;  // polled once per decode step

  // Output, guarded by mu; cv is notified on every change.
  std::mutex mu;
  std::condition_variable cv;
  // Released text the submitter has not taken yet, one event per token when log-probabilities
  // were asked for; otherwise consecutive text is merged into one event.
  std::vector<TokenEvent> released;
  bool admitted = false;
  bool finished = false;
  Status error;          // set when the generation failed
  GenerateResult result;  // complete once finished
};

class Scheduler {
 public:
  // Slots' sessions hold K/V elements of kv_type.
  Scheduler(const Gemma4Model& model, const Tokenizer& tokenizer, ThreadPool& pool, int n_slots, int default_ctx,
            GgmlType kv_type);
  // Cancels whatever runs or waits and joins the loop.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues the job (FIFO) for the next free slot.
  void Submit(Job* job);
  // Takes back a job that has not been admitted yet; false when it already runs (or ran).
  bool Withdraw(Job* job);
  // Makes every running and waiting job end ("cancel") at the next step.
  void CancelAll();

  int waiting() const { return n_waiting_.load(); }
  int active() const { return n_active_.load(); }
  int n_slots() const { return static_cast<int>(slots_.size()); }
  // Context of the session that most recently started a request.
  int last_ctx() const { return last_ctx_.load(); }

 private:
  struct Slot {
    std::unique_ptr<Session> session;
    Job* job = nullptr;
    std::unique_ptr<TokenStream> stream;
    int32_t next = -1;  // token to feed at the next decode step
  };

  void Loop();
  // Picks the free slot for `job` (longest cached common prefix, then the emptiest).
  Slot& ChooseSlot(const Job& job);
  // Prefills the slot's new job and samples its first token.
  void Start(Slot& slot);
  // Cancels finished-by-client jobs, then runs one batched decode step for the rest.
  void Step();
  // Hands the result (or `error`) to the submitter and frees the slot.
  void Finish(Slot& slot, Status error = Status::Ok());

  const Gemma4Model& model_;
  const Tokenizer& tokenizer_;
  ThreadPool& pool_;
  GgmlType kv_type_;
  std::vector<Slot> slots_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> waiting_;  // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  std::atomic<bool> cancel_all_{false};
  std::atomic<int> n_waiting_{0}, n_active_{0}, last_ctx_{0};
  std::thread thread_;
};

}  // namespace hearth::server
