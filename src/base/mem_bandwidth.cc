#include "base/mem_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace hearth {
namespace {

struct FreeDeleter {
  void operator()(uint64_t* p) const { std::free(p); }
};

// Sums a slice with four independent accumulators so the loop is bound by loads, not by one
// add chain; the compiler vectorises it (integer adds need no fast-math).
uint64_t SumSlice(const uint64_t* p, int64_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  return a + b + c + d;
}

}  // namespace

Result<BandwidthResult> MeasureReadBandwidth(ThreadPool& pool, size_t bytes, int passes) {
  if (bytes < 4096 || passes < 1) return InvalidArgument("bandwidth probe: need >= 4 KiB and >= 1 pass");
  constexpr size_t kAlign = 4096;
  const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  std::unique_ptr<uint64_t, FreeDeleter> buf(static_cast<uint64_t*>(std::aligned_alloc(kAlign, rounded)));
  if (!buf) {
    return ResourceExhausted("bandwidth probe: cannot allocate " + std::to_string(rounded >> 20) + " MiB");
  }
  const int64_t n = static_cast<int64_t>(rounded / sizeof(uint64_t));
  uint64_t* data = buf.get();
  // 512 words = one page per grain, so slices start on page boundaries.
  constexpr int64_t kGrain = 512;
  pool.ParallelFor(n, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) data[i] = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull;
  }, kGrain);

  std::vector<uint64_t> sums(static_cast<size_t>(pool.size()), 0);
  BandwidthResult r;
  r.buffer_bytes = rounded;
  r.passes = passes;
  double total = 0;
  for (int pass = 0; pass < passes; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.ParallelFor(n, [&](int64_t begin, int64_t end, int thread) {
      sums[static_cast<size_t>(thread)] += SumSlice(data + begin, end - begin);
    }, kGrain);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gbs = static_cast<double>(rounded) / 1e9 / std::max(sec, 1e-9);
    r.best_gbs = std::max(r.best_gbs, gbs);
    total += gbs;
  }
  r.mean_gbs = total / passes;
  // Returned, so the reads are observable and the loop cannot be removed.
  for (uint64_t s : sums) r.checksum ^= s;
  return r;
}

}  // namespace hearth
