// AVX2 twins of ref/kv_row_ref.cc: outs[h] += Σ_r weights[h][r] * rows[r] over f32, f16 (F16C)
// and Q8_0 rows. For each 8 values, up to kAxpyRowsPerPass rows are converted once into registers,
// then each head's output is loaded, gets one fused multiply-add per row, and is stored: one store
// per head per pass instead of one per row (the stores, not the arithmetic, bound a one-row loop).
#include <immintrin.h>

#include <algorithm>

#include "kernels/kv_row.h"
#include "kernels/x86/avx2_util.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

// The most rows one pass keeps in registers (16 ymm: 4 values, the output, the weights).
constexpr int kAxpyRowsPerPass = 4;

// outs[h][i .. i+7] += Σ_r scales[h * kAxpyRowsPerPass + r] * values[r] for r < n_rows.
inline void AccumulateEight(const __m256* values, int n_rows, const float* scales, int64_t i, int n_out,
                            float* const* outs) {
  for (int h = 0; h < n_out; ++h) {
    __m256 acc = _mm256_loadu_ps(outs[h] + i);
    for (int r = 0; r < n_rows; ++r) {
      acc = _mm256_fmadd_ps(_mm256_set1_ps(scales[h * kAxpyRowsPerPass + r]), values[r], acc);
    }
    _mm256_storeu_ps(outs[h] + i, acc);
  }
}

// Rows in passes of kAxpyRowsPerPass. `block_scale(row, b)` is the factor block b of a row folds
// into the weights (1 for float rows: one "block" spans the row), `load8(row, i)` converts values
// i .. i + 7, and `block` is the elements per block (n for float rows).
template <typename BlockScale, typename Load8>
void AxpyPasses(int64_t n, int64_t block, int n_rows, const void* const* rows, const float* weights,
                int64_t weight_stride, int n_out, float* const* outs, BlockScale block_scale, Load8 load8) {
  constexpr int kMaxHeads = 64;
  float scales[kMaxHeads * kAxpyRowsPerPass];
  float block_scales[kAxpyRowsPerPass];
  __m256 values[kAxpyRowsPerPass];
  for (int h0 = 0; h0 < n_out; h0 += kMaxHeads) {
    const int heads = std::min(kMaxHeads, n_out - h0);
    for (int r0 = 0; r0 < n_rows; r0 += kAxpyRowsPerPass) {
      const int pass = std::min(kAxpyRowsPerPass, n_rows - r0);
      for (int64_t b = 0; b < n / block; ++b) {
        for (int r = 0; r < pass; ++r) block_scales[r] = block_scale(rows[r0 + r], b);  // once, not per head
        for (int h = 0; h < heads; ++h) {
          for (int r = 0; r < pass; ++r) {
            scales[h * kAxpyRowsPerPass + r] = weights[(h0 + h) * weight_stride + r0 + r] * block_scales[r];
          }
        }
        for (int64_t i = b * block; i < (b + 1) * block; i += 8) {
          for (int r = 0; r < pass; ++r) values[r] = load8(rows[r0 + r], i);
          AccumulateEight(values, pass, scales, i, heads, outs + h0);
        }
      }
    }
  }
}

}  // namespace

void AxpyRowF32Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs) {
  AxpyPasses(
      n, n, n_rows, rows, weights, weight_stride, n_out, outs, [](const void*, int64_t) { return 1.0f; },
      [](const void* row, int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(row) + i); });
}

void AxpyRowF16Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs) {
  AxpyPasses(
      n, n, n_rows, rows, weights, weight_stride, n_out, outs, [](const void*, int64_t) { return 1.0f; },
      [](const void* row, int64_t i) {
        return _mm256_cvtph_ps(avx2::Load128(static_cast<const uint16_t*>(row) + i));
      });
}

// The block scale d folds into each head's weight, as in the scalar twin: out += (w * d) * q.
void AxpyRowQ8_0Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                     int n_out, float* const* outs) {
  AxpyPasses(
      n, kQK, n_rows, rows, weights, weight_stride, n_out, outs,
      [](const void* row, int64_t b) { return avx2::HalfToFloat(static_cast<const BlockQ8_0*>(row)[b].d); },
      [](const void* row, int64_t i) {
        // 8 int8 -> 8 int32 -> 8 floats.
        const BlockQ8_0& blk = static_cast<const BlockQ8_0*>(row)[i / kQK];
        const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(blk.qs + i % kQK));
        return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8));
      });
}

}  // namespace hearth
