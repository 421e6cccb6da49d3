// Micro benchmark of MatMul (a benchmark, not a test; run build/bench/matmul_bench).
// Reports GB/s of weight bytes streamed per second: decode is memory-bound, so this is the number
// to hold against the machine's bandwidth. "hot" reuses one matrix (cache-resident when small),
// "cold" rotates through copies totalling > 400 MB so every call reads from DRAM.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/kernels_test_util.h"
#include "kernels/matmul.h"

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

// Seconds per call, averaged over calls until ~0.4 s have passed (after one warm-up call).
template <typename Fn>
double SecondsPerCall(Fn fn) {
  fn(0);
  int calls = 0;
  const Clock::time_point start = Clock::now();
  double elapsed = 0;
  do {
    fn(++calls);
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < 0.4);
  return elapsed / calls;
}

void Bench(GgmlType type, int64_t rows, int64_t cols, int64_t n_tokens, bool cold) {
  std::mt19937 rng(42);
  const size_t row_bytes = *RowBytes(type, cols);
  const size_t matrix_bytes = row_bytes * static_cast<size_t>(rows);
  const std::vector<uint8_t> one = test::RandomRows(type, rows, cols, rng);
  const size_t copies = cold ? std::max<size_t>(1, (400u << 20) / matrix_bytes + 1) : 1;
  std::vector<uint8_t> all(matrix_bytes * copies);
  for (size_t c = 0; c < copies; ++c)
    std::memcpy(all.data() + c * matrix_bytes, one.data(), matrix_bytes);
  const std::vector<float> x = test::RandomFloats(n_tokens * cols, rng);
  std::vector<float> y(static_cast<size_t>(n_tokens * rows));
  for (const int threads : {1, 2}) {
    ThreadPool pool(threads);
    const double s = SecondsPerCall([&](int call) {
      const MatrixView w{type, all.data() + (call % copies) * matrix_bytes, cols, rows, row_bytes};
      MatMul(w, x.data(), n_tokens, y.data(), pool);
    });
    std::printf(
        "  %-5s %6lld x %-5lld tokens %-3lld %-4s threads %d: %8.1f us  %6.2f GB/s weights"
        "  %7.1f GFLOP/s\n",
        std::string(DtypeName(type)).c_str(), static_cast<long long>(rows),
        static_cast<long long>(cols), static_cast<long long>(n_tokens), cold ? "cold" : "hot",
        threads, s * 1e6, matrix_bytes / s * 1e-9, 2.0 * rows * cols * n_tokens / s * 1e-9);
  }
}

void RunAll() {
  for (const GgmlType type : {GgmlType::kQ4_K, GgmlType::kQ6_K, GgmlType::kQ8_0}) {
    Bench(type, 2048, 2048, 1, false);
    Bench(type, 2048, 2048, 1, true);
    Bench(type, 262144, 1536, 1, false);
    Bench(type, 2048, 2048, 64, false);
  }
}

}  // namespace
}  // namespace hearth

int main() {
  hearth::RunAll();
  return 0;
}
