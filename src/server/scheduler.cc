// Scheduler: the admission queue, slot choice (prefix reuse) and the batched decode loop.
#include "server/scheduler.h"

#include <algorithm>
#include <chrono>

namespace hearth::server {
namespace {

size_t CommonPrefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

Scheduler::Scheduler(const Gemma4Model& model, const Tokenizer& tokenizer, ThreadPool& pool, int n_slots,
                     int default_ctx, GgmlType kv_type)
    : model_(model), tokenizer_(tokenizer), pool_(pool), kv_type_(kv_type),
      slots_(static_cast<size_t>(std::max(1, n_slots))) {
  last_ctx_.store(default_ctx);
  thread_ = std::thread([this] { Loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  CancelAll();
  thread_.join();
}

void Scheduler::Submit(Job* job) {
  std::lock_guard<std::mutex> lk(mu_);
  waiting_.push_back(job);
  n_waiting_.fetch_add(1);
  cv_.notify_all();
}

bool Scheduler::Withdraw(Job* job) {
  std::lock_guard<std::mutex> lk(mu_);
  const auto it = std::find(waiting_.begin(), waiting_.end(), job);
  if (it == waiting_.end()) return false;
  waiting_.erase(it);
  n_waiting_.fetch_sub(1);
  return true;
}

void Scheduler::CancelAll() {
  cancel_all_.store(true);
  std::lock_guard<std::mutex> lk(mu_);
  cv_.notify_all();
}

void Scheduler::Loop() {
  for (;;) {
    std::vector<Slot*> fresh;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !waiting_.empty() || n_active_.load() > 0; });
      if (stop_ && waiting_.empty() && n_active_.load() == 0) return;
      const auto free_slot = [&] {
        return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.job == nullptr; });
      };
      while (!waiting_.empty() && free_slot()) {
        Job* job = waiting_.front();
        waiting_.pop_front();
        n_waiting_.fetch_sub(1);
        Slot& slot = ChooseSlot(*job);
        slot.job = job;
        n_active_.fetch_add(1);
        fresh.push_back(&slot);
      }
    }
    // Prefills run one after another between decode steps: a long prompt delays the other
    // streams' next token by its prefill time.
    for (Slot* slot : fresh) Start(*slot);
    Step();
  }
}

Scheduler::Slot& Scheduler::ChooseSlot(const Job& job) {
  Slot* best = nullptr;
  size_t best_common = 0, best_size = 0;
  for (Slot& s : slots_) {
    if (s.job != nullptr) continue;
    size_t common = 0, size = 0;
    if (s.session != nullptr) {
      size = s.session->tokens().size();
      if (s.session->n_ctx() == job.n_ctx) common = CommonPrefix(s.session->tokens(), job.prompt);
    }
    // Longest reusable prefix first; among equals the emptiest, so warm caches survive.
    if (best == nullptr || common > best_common || (common == best_common && size < best_size)) {
      best = &s;
      best_common = common;
      best_size = size;
    }
  }
  return *best;  // the caller checked that a slot is free
}

void Scheduler::Start(Slot& slot) {
  Job& job = *slot.job;
  {
    std::lock_guard<std::mutex> lk(job.mu);
    job.admitted = true;
    job.cv.notify_all();
  }
  auto on_token = [&job](const TokenEvent& e) {
    if (e.text.empty() && !e.logprobs) return;
    std::lock_guard<std::mutex> lk(job.mu);
    if (!e.logprobs && !job.released.empty() && !job.released.back().logprobs) {
      job.released.back().text += e.text;
    } else {
      job.released.push_back(e);
    }
    job.cv.notify_all();
  };
  if (cancel_all_.load() || (job.cancel != nullptr && job.cancel->load())) {
    slot.stream = std::make_unique<TokenStream>(tokenizer_, job.gen, job.prompt, on_token);
    slot.stream->Cancel();
    return Finish(slot);
  }
  if (slot.session == nullptr || slot.session->n_ctx() != job.n_ctx) {
    slot.session = std::make_unique<Session>(model_, job.n_ctx, pool_, KernelMode::kFast, 512, kv_type_);
  }
  last_ctx_.store(job.n_ctx);
  const auto t0 = std::chrono::steady_clock::now();
  Result<std::span<const float>> logits = slot.session->Prefill(job.prompt);
  if (!logits) return Finish(slot, logits.error());
  slot.stream = std::make_unique<TokenStream>(tokenizer_, job.gen, job.prompt, on_token);
  GenerateStats& stats = slot.stream->result().stats;
  stats.prompt_tokens = static_cast<int64_t>(job.prompt.size());
  stats.prompt_reused = slot.session->last_reused();
  stats.prompt_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool full = slot.session->tokens().size() >= static_cast<size_t>(slot.session->n_ctx());
  const std::optional<int32_t> next = slot.stream->Next(*logits, full);
  if (!next) return Finish(slot);
  slot.next = *next;
}

void Scheduler::Step() {
  std::vector<Slot*> batch;
  for (Slot& slot : slots_) {
    if (slot.job == nullptr) continue;
    if (cancel_all_.load() || (slot.job->cancel != nullptr && slot.job->cancel->load())) {
      slot.stream->Cancel();
      Finish(slot);
      continue;
    }
    batch.push_back(&slot);
  }
  if (batch.empty()) return;
  std::vector<Session*> sessions;
  std::vector<int32_t> tokens;
  for (Slot* slot : batch) {
    sessions.push_back(slot->session.get());
    tokens.push_back(slot->next);
  }
  if (Status st = Session::DecodeBatch(sessions, tokens); !st.ok()) {
    for (Slot* slot : batch) {
      slot->session->Clear();
      Finish(*slot, st);
    }
    return;
  }
  for (Slot* slot : batch) {
    Session& s = *slot->session;
    const bool full = s.tokens().size() >= static_cast<size_t>(s.n_ctx());
    const std::optional<int32_t> next = slot->stream->Next(s.logits(), full);
    if (next) {
      slot->next = *next;
    } else {
      Finish(*slot);
    }
  }
}

void Scheduler::Finish(Slot& slot, Status error) {
  Job* job = slot.job;
  slot.job = nullptr;
  {
    // Notify under the lock: once it is released with `finished` set, the submitter may free the job.
    std::lock_guard<std::mutex> lk(job->mu);
    if (!error.ok()) {
      job->error = std::move(error);
    } else {
      job->result = std::move(slot.stream->result());
    }
    job->finished = true;
    job->cv.notify_all();
  }
  slot.stream.reset();
  n_active_.fetch_sub(1);
}

}  // namespace hearth::server
