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

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    task_n_ = n;
    task_grain_ = grain;
    pending_ = n_threads_ - 1;
    ++generation_;
  }
  work_cv_.notify_all();
  const auto [begin, end] = SplitRange(n, grain, n_threads_, 0);
  if (begin < end) fn(begin, end, 0);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return pending_ == 0; });
  task_ = nullptr;
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t, int)>* task;
    int64_t n, grain;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
      n = task_n_;
      grain = task_grain_;
    }
    const auto [begin, end] = SplitRange(n, grain, n_threads_, index);
    if (begin < end) (*task)(begin, end, index);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
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
