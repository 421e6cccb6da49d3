#include "base/thread_pool.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace hearth {
namespace {

// Range of chunk `index` out of `parts` when [0, n) is split in grain-aligned pieces.
std::pair<int64_t, int64_t> SplitRange(int64_t n, int64_t grain, int parts, int index) {
  const int64_t units = (n + grain - 1) / grain;
  const int64_t per = units / parts;
  const int64_t extra = units % parts;
  const int64_t begin_unit = index * per + std::min<int64_t>(index, extra);
  const int64_t end_unit = begin_unit + per + (index < extra ? 1 : 0);
  return {std::min(n, begin_unit * grain), std::min(n, end_unit * grain)};
}

// One spin-wait step: tells the CPU this is a busy-wait loop (saves power, yields the core's
// resources to a sibling hyperthread).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until `ready()` or `budget` has passed; true when ready. Never yields: giving the core
// away in the middle of a hand-off costs a whole scheduler time slice when other processes are
// runnable (measured: 4 tok/s instead of 70 on a tiny model beside two compilers).
template <typename Ready>
bool SpinUntil(Ready ready, std::chrono::nanoseconds budget) {
  if (budget.count() <= 0) return ready();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      if (ready()) return true;
      CpuRelax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

}  // namespace

ThreadPool::ThreadPool(int n_threads)
    : n_threads_(std::max(1, n_threads)),
      // More threads than CPUs: the awaited thread needs a core a spinner would hold.
      max_spin_(n_threads_ <= static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) ? kSpin
                                                                                                  : kNoSpin),
      spin_ns_(std::chrono::nanoseconds(max_spin_).count()) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::ParallelFor(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                             int64_t grain) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  task_ = &fn;
  task_n_ = n;
  task_grain_ = grain;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    // Under the mutex, so a worker between its predicate check and its sleep cannot miss it.
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  work_cv_.notify_all();
  const auto [begin, end] = SplitRange(n, grain, n_threads_, 0);
  if (begin < end) fn(begin, end, 0);
  WaitForWorkers();
}

template <typename Ready, typename Block>
void ThreadPool::Await(Ready ready, Block block) {
  const auto start = std::chrono::steady_clock::now();
  const bool in_time = SpinUntil(ready, std::chrono::nanoseconds(spin_ns_.load(std::memory_order_relaxed)));
  if (!in_time) block();
  // Adapt to what a spin of up to max_spin_ would have done for this wait: grow (up to max_spin_)
  // when the event came within it, halve when it did not. Judging by the whole wait, not by
  // whether this spin succeeded, keeps a budget that once shrank (after an idle pause, say) from
  // staying small: with "halve on every miss", one long wait led to misses on every short one
  // after it, and E2B decode ran 16 instead of 21 tok/s, nearly every hand-off asleep.
  const bool spin_would_catch = in_time || std::chrono::steady_clock::now() - start <= max_spin_;
  const int64_t cur = spin_ns_.load(std::memory_order_relaxed);
  const int64_t max = std::chrono::nanoseconds(max_spin_).count();
  spin_ns_.store(spin_would_catch ? std::min(max, cur * 2 + 1000) : cur / 2, std::memory_order_relaxed);
}

void ThreadPool::WaitForWork(uint64_t seen) {
  const auto ready = [&] {
    return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
  };
  Await(ready, [&] {
    std::unique_lock<std::mutex> lock(mu_);
    work_cv_.wait(lock, ready);
  });
}

void ThreadPool::WaitForWorkers() {
  const auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  Await(done, [&] {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, done);
  });
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    WaitForWork(seen);
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    const auto [begin, end] = SplitRange(task_n_, task_grain_, n_threads_, index);
    if (begin < end) (*task_)(begin, end, index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The caller may be asleep (past its spin); the mutex orders this with its predicate check.
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_one();
    }
  }
}

int ThreadPool::DefaultThreadCount() {
  // Count distinct (package, core) pairs so SMT siblings do not double the count.
  std::set<std::pair<std::string, std::string>> cores;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned cpu = 0; cpu < hw; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core_file(base + "core_id");
    std::ifstream pkg_file(base + "physical_package_id");
    std::string core, pkg;
    if (!(core_file >> core) || !(pkg_file >> pkg)) return static_cast<int>(hw);
    cores.emplace(pkg, core);
  }
  return cores.empty() ? static_cast<int>(hw) : static_cast<int>(cores.size());
}

}  // namespace hearth
