// A persistent pool of worker threads for data-parallel loops (no thread creation per op).
// One ParallelFor runs at a time: the calling thread takes part as worker 0 and returns when
// every chunk is done. Not re-entrant (do not call ParallelFor from inside a task).
// Hand-offs spin briefly before sleeping: a decode step issues hundreds of short ParallelFor
// calls, and waking a sleeping thread through the kernel costs tens of microseconds (more under
// a hypervisor), which would otherwise be paid twice per call. The spin budget adapts (at most
// kSpin; grown after every wait that ended within kSpin, halved after every longer one), so it
// fades out when other processes keep the awaited thread off its core for longer; a pool with
// more threads than CPUs never spins. After its spin a waiter blocks, so an idle pool costs no
// CPU.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {

class ThreadPool {
 public:
  // n_threads counts the caller; 1 means run everything inline.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // The current spin budget of a hand-off (0 .. 200 µs; always 0 with more threads than CPUs).
  std::chrono::nanoseconds spin_budget() const {
    return std::chrono::nanoseconds(spin_ns_.load(std::memory_order_relaxed));
  }

  // Splits [0, n) into contiguous ranges, one per thread, and calls fn(begin, end, thread_index)
  // for each non-empty range. Ranges are multiples of `grain` except the last.
  void ParallelFor(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                   int64_t grain = 1);

  // Physical cores if known (sysfs), else hardware_concurrency.
  static int DefaultThreadCount();

 private:
  static constexpr std::chrono::microseconds kSpin{200};
  static constexpr std::chrono::microseconds kNoSpin{0};

  void WorkerLoop(int index);
  // Spins on `ready` for the current budget, then calls block() (which returns once ready), and
  // adapts the budget to the length of the whole wait.
  template <typename Ready, typename Block>
  void Await(Ready ready, Block block);
  // Returns once generation_ differs from `seen` or stop_ is set: spins, then sleeps.
  void WaitForWork(uint64_t seen);
  // Returns once every worker has finished the current task (same spin-then-sleep).
  void WaitForWorkers();

  int n_threads_;
  std::chrono::microseconds max_spin_;
  std::atomic<int64_t> spin_ns_;  // current spin budget; shared by all waiters, updated relaxed
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  // The task fields are written before generation_ is advanced (release) and read after it is
  // seen (acquire); the next call rewrites them only once pending_ is back to 0.
  const std::function<void(int64_t, int64_t, int)>* task_ = nullptr;
  int64_t task_n_ = 0;
  int64_t task_grain_ = 1;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};  // workers that have not finished the current task
  std::atomic<bool> stop_{false};
};

}  // namespace hearth
