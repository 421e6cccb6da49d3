// ThreadPool: every index is visited exactly once whatever the size, grain and thread count, the
// ranges respect the grain, and back-to-back calls (the decode pattern: hundreds of short calls,
// spinning hand-offs) neither lose nor repeat work.
#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace hearth {
namespace {

// Runs one ParallelFor and checks coverage: each index once, ranges grain-aligned.
void CheckCoverage(ThreadPool& pool, int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<bool> misaligned{false};
  std::atomic<int> bad_thread{0};
  pool.ParallelFor(
      n,
      [&](int64_t begin, int64_t end, int thread) {
        if (begin % grain != 0 || (end % grain != 0 && end != n)) misaligned = true;
        if (thread < 0 || thread >= pool.size()) bad_thread = 1;
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      },
      grain);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n=" << n << " i=" << i;
  EXPECT_FALSE(misaligned.load()) << "n=" << n << " grain=" << grain;
  EXPECT_EQ(bad_thread.load(), 0);
}

TEST(ThreadPoolTest, CoversEveryIndexOnceForManyShapes) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 2, 3, 7, 8, 9, 63, 64, 65, 1000}) {
      for (int64_t grain : {1, 4, 8, 100}) CheckCoverage(pool, n, grain);
    }
  }
}

// Two threads spin-wait on this 2-CPU class of machine; more threads than CPUs never spin.
TEST(ThreadPoolTest, ManyBackToBackCallsSumCorrectly) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    std::atomic<int64_t> total{0};
    const int calls = 20000;
    for (int c = 0; c < calls; ++c) {
      pool.ParallelFor(10, [&](int64_t b, int64_t e, int) { total.fetch_add(e - b); });
    }
    EXPECT_EQ(total.load(), int64_t{10} * calls) << threads << " threads";
  }
}

// Work that arrives after the workers have gone to sleep (past their spin) is still picked up.
TEST(ThreadPoolTest, WakesSleepingWorkers) {
  ThreadPool pool(2);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::atomic<int> used_worker{0};
    pool.ParallelFor(16, [&](int64_t, int64_t, int thread) {
      if (thread == 1) used_worker = 1;
    });
    EXPECT_EQ(used_worker.load(), 1) << "round " << round;
  }
}

// Busy-waits `d` on the calling thread (a sleep would give the core away).
void BusyFor(std::chrono::microseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

// After long waits have shrunk the spin budget, a run of short hand-offs (the decode pattern)
// must grow it back. Each call of the second loop makes both waits about 20 µs: the worker waits
// for the next call while the caller busy-waits between calls, and the caller waits for the
// worker's longer chunk. A rule that shrank the budget on every spin that ran out kept it near 0
// there for good, so nearly every hand-off went through a futex sleep (E2B decode 16 instead of
// 21 tok/s).
TEST(ThreadPoolTest, SpinBudgetRecoversAfterLongWaits) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "a pool with more threads than CPUs never spins";
  ThreadPool pool(2);
  const auto worker_busy_for = [](std::chrono::microseconds d) {
    return [d](int64_t, int64_t, int thread) {
      if (thread == 1) BusyFor(d);
    };
  };
  // Only long waits: the caller waits 300 µs for the worker, the worker 2 ms for the next call.
  for (int gap = 0; gap < 12; ++gap) {
    pool.ParallelFor(2, worker_busy_for(std::chrono::microseconds(300)));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_LT(pool.spin_budget(), std::chrono::microseconds(5));
  // Under load a wait can stretch past 200 µs and halve the budget again, so allow many calls.
  for (int call = 0; call < 2000 && pool.spin_budget() < std::chrono::microseconds(100); ++call) {
    BusyFor(std::chrono::microseconds(20));
    pool.ParallelFor(2, worker_busy_for(std::chrono::microseconds(20)));
  }
  EXPECT_GE(pool.spin_budget(), std::chrono::microseconds(100));
}

// Destruction must wake sleeping and spinning workers alike: 50 pools in well under a second
// (a worker missing the stop signal would hang here until the test times out).
TEST(ThreadPoolTest, DestroysIdleAndBusyPoolsPromptly) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(4);
    if (i % 2 == 0) pool.ParallelFor(100, [](int64_t, int64_t, int) {});
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace hearth
