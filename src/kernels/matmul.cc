// MatMul: activation preparation (quantized once per call), the split of output rows across
// threads, and the row x token tiling that reads each weight row from memory once per call.
// The per-type arithmetic is in the vec_dot kernels (dispatch.h) and in quant/ (reference).
#include "kernels/matmul.h"

#include <algorithm>
#include <vector>

#include "base/check.h"
#include "kernels/activations.h"
#include "kernels/dispatch.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

// Threads get contiguous runs of whole 8-row groups, so no two threads write the same 32-byte
// stretch of y (false sharing) and each streams its own part of the matrix.
constexpr int64_t kRowGrain = 8;
// Rows per tile: the tile (about this many weight bytes) stays in L1/L2 while every token's
// activations pass over it, so prefill reads the matrix from memory once, not once per token.
constexpr size_t kWeightTileBytes = 32 * 1024;
constexpr int64_t kMaxTileRows = 64;
constexpr size_t kCacheLine = 64;
// A group of tokens' activation rows must stay in L1 (32-48 KiB on recent x86 cores) while the
// kernel passes over them once per weight row, next to the weight row streaming through. Eight
// rows of a wide input (FFN down, 6144+ columns: 8 x 7.8 KiB) did not, and the eight-token Q4_K
// kernel then ran at 137 GFLOP/s against 156 for four tokens at a time (one thread, 512 tokens,
// build/bench/matmul_bench). Eight rows of E4B's 2560 columns (26 KiB) still gain on a 32 KiB L1
// (AMD EPYC: 174 GFLOP/s against 167 for four).
constexpr size_t kActivationL1Bytes = 32 * 1024;

// Starts loading the bytes kWeightPrefetchBytes past [row, row + row_bytes) into L1. Prefetches
// never fault, so running past the end of the matrix is harmless.
inline void PrefetchAhead(const uint8_t* row, size_t row_bytes) {
  for (size_t off = 0; off < row_bytes; off += kCacheLine) {
    __builtin_prefetch(row + kWeightPrefetchBytes + off, 0, 3);
  }
}

// Quantized activations of the current call, owned by the calling thread and read by the pool
// workers while the call runs. [n_tokens, act_row_bytes]
thread_local std::vector<uint8_t> t_activations;
// One dequantized weight row for the reference path. [cols]
thread_local std::vector<float> t_weight_row;

void CheckShape(const MatrixView& w) {
  const std::optional<size_t> row_bytes = RowBytes(w.type, w.cols);
  HEARTH_CHECK(row_bytes.has_value() && *row_bytes <= w.row_bytes,
               "matrix of type %u: %lld columns do not fit rows of %zu bytes",
               static_cast<unsigned>(w.type), static_cast<long long>(w.cols), w.row_bytes);
}

// Activations in the kernel's format: x itself for f32 kernels, else x prepared token by token
// (activations.h; split over `pool` when given). Returns the row stride in bytes through
// `act_row_bytes`.
const uint8_t* PrepareActivations(const MatrixView& w, const VecDotKernel& kernel, const float* x,
                                  int64_t n_tokens, ThreadPool* pool, size_t* act_row_bytes) {
  if (kernel.act_type == GgmlType::kF32) {
    *act_row_bytes = static_cast<size_t>(w.cols) * sizeof(float);
    return reinterpret_cast<const uint8_t*>(x);
  }
  const size_t stride = ActivationRowBytes(kernel.act_type, w.cols);
  *act_row_bytes = stride;
  t_activations.resize(stride * static_cast<size_t>(n_tokens));
  uint8_t* dst = t_activations.data();
  const auto prepare = [&](int64_t begin, int64_t end, int) {
    for (int64_t t = begin; t < end; ++t) {
      PrepareActivationRow(kernel.act_type, x + t * w.cols, dst + static_cast<size_t>(t) * stride, w.cols,
                           kernel.act_order);
    }
  };
  if (pool != nullptr && n_tokens > 1) {
    pool->ParallelFor(n_tokens, prepare);
  } else {
    prepare(0, n_tokens, 0);
  }
  return dst;
}

// y rows [row_begin, row_end) for every token, tile by tile; tokens eight or four at a time where
// the kernel has such a form (same results, each weight block decoded once per group of tokens)
// and eight rows fit kActivationL1Bytes.
void FastRows(const MatrixView& w, const VecDotKernel& kernel, const uint8_t* act,
              size_t act_row_bytes, int64_t n_tokens, float* y, int64_t row_begin,
              int64_t row_end) {
  const bool use8 = kernel.fn8 != nullptr && 8 * act_row_bytes <= kActivationL1Bytes;
  const int64_t tile = std::clamp<int64_t>(
      static_cast<int64_t>(kWeightTileBytes / std::max<size_t>(w.row_bytes, 1)), 1, kMaxTileRows);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += tile) {
    const int64_t r1 = std::min(row_end, r0 + tile);
    int64_t t = 0;
    while (t < n_tokens) {
      const int64_t left = n_tokens - t;
      const int64_t group = use8 && left >= 8 ? 8 : kernel.fn4 != nullptr && left >= 4 ? 4 : 1;
      const uint8_t* a = act + static_cast<size_t>(t) * act_row_bytes;
      float* yt = y + t * w.rows;
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.data + static_cast<size_t>(r) * w.row_bytes;
        // The first pass over a tile brings it from memory; later passes find it in cache.
        if (t == 0 && !(group == 1 && kernel.fn_prefetches)) PrefetchAhead(row, w.row_bytes);
        if (group == 8) {
          kernel.fn8(w.cols, row, a, act_row_bytes, yt + r, w.rows);
        } else if (group == 4) {
          kernel.fn4(w.cols, row, a, act_row_bytes, yt + r, w.rows);
        } else {
          yt[r] = kernel.fn(w.cols, row, a);
        }
      }
      t += group;
    }
  }
}

// Reference: dequantize each weight row once, dot with every token in double.
void ReferenceRows(const MatrixView& w, const float* x, int64_t n_tokens, float* y,
                   int64_t row_begin, int64_t row_end) {
  t_weight_row.resize(static_cast<size_t>(w.cols));
  float* row = t_weight_row.data();
  for (int64_t r = row_begin; r < row_end; ++r) {
    DequantizeRow(w.type, w.data + static_cast<size_t>(r) * w.row_bytes, row, w.cols);
    for (int64_t t = 0; t < n_tokens; ++t) {
      const float* xt = x + t * w.cols;
      double sum = 0;
      for (int64_t k = 0; k < w.cols; ++k) sum += static_cast<double>(row[k]) * xt[k];
      y[t * w.rows + r] = static_cast<float>(sum);
    }
  }
}

const VecDotKernel& KernelFor(const MatrixView& w) {
  const VecDotKernel* kernel = FindVecDot(w.type);
  HEARTH_CHECK(kernel != nullptr, "no matmul kernel for type %u", static_cast<unsigned>(w.type));
  return *kernel;
}

}  // namespace

void MatMul(const MatrixView& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            KernelMode mode) {
  CheckShape(w);
  if (n_tokens <= 0 || w.rows <= 0) return;
  if (mode == KernelMode::kReference) {
    pool.ParallelFor(
        w.rows, [&](int64_t b, int64_t e, int) { ReferenceRows(w, x, n_tokens, y, b, e); },
        kRowGrain);
    return;
  }
  const VecDotKernel& kernel = KernelFor(w);
  size_t act_row_bytes = 0;
  const uint8_t* act = PrepareActivations(w, kernel, x, n_tokens, &pool, &act_row_bytes);
  pool.ParallelFor(
      w.rows,
      [&](int64_t b, int64_t e, int) {
        FastRows(w, kernel, act, act_row_bytes, n_tokens, y, b, e);
      },
      kRowGrain);
}

void MatMulSingleThread(const MatrixView& w, const float* x, int64_t n_tokens, float* y,
                        KernelMode mode) {
  CheckShape(w);
  if (n_tokens <= 0 || w.rows <= 0) return;
  if (mode == KernelMode::kReference) {
    ReferenceRows(w, x, n_tokens, y, 0, w.rows);
    return;
  }
  const VecDotKernel& kernel = KernelFor(w);
  size_t act_row_bytes = 0;
  const uint8_t* act = PrepareActivations(w, kernel, x, n_tokens, nullptr, &act_row_bytes);
  FastRows(w, kernel, act, act_row_bytes, n_tokens, y, 0, w.rows);
}

}  // namespace hearth
