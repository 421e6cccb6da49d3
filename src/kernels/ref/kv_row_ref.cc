// Scalar twins of the K/V row kernels (kv_row.h): the value sum and the scores of attention over
// f32, f16 and Q8_0 cache rows, and the fallback on CPUs without AVX2. Head by head and row by
// row, so each head's output sees exactly the operations of a plain `out += weight * v` loop over
// the keys, and each score is one plain dot (the f32/f16 dot kernel's; for Q8_0, d times each
// block's float sum).
#include "base/fp16.h"
#include "kernels/kv_row.h"
#include "kernels/vec_dot.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

// `value(row, i)` is element i of row r as a float.
template <typename Value>
void AxpyRows(int64_t n, int n_rows, const float* weights, int64_t weight_stride, int n_out, float* const* outs,
              Value value) {
  for (int h = 0; h < n_out; ++h) {
    for (int r = 0; r < n_rows; ++r) {
      const float w = weights[h * weight_stride + r];
      for (int64_t i = 0; i < n; ++i) outs[h][i] += w * value(r, i);
    }
  }
}

// scores[h][j] = dot(n, keys[j], q_h) for every head and key.
void ScoreRows(VecDotFn dot, int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
               int n_heads, float* scores, int64_t score_stride) {
  for (int h = 0; h < n_heads; ++h) {
    for (int j = 0; j < n_keys; ++j) scores[h * score_stride + j] = dot(n, keys[j], q + h * q_stride);
  }
}

// q · (d * k) of a Q8_0 row against f32 q: per block, d times the float sum of q * k.
float DotQ8_0F32(int64_t n, const void* row, const void* q) {
  const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(row);
  const float* qf = static_cast<const float*>(q);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    float block_sum = 0;
    for (int j = 0; j < kQK; ++j) block_sum += qf[b * kQK + j] * static_cast<float>(blocks[b].qs[j]);
    sum += F16ToF32(blocks[b].d) * block_sum;
  }
  return sum;
}

}  // namespace

void AxpyRowF32Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                   int n_out, float* const* outs) {
  AxpyRows(n, n_rows, weights, weight_stride, n_out, outs,
           [rows](int r, int64_t i) { return static_cast<const float*>(rows[r])[i]; });
}

void AxpyRowF16Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                   int n_out, float* const* outs) {
  AxpyRows(n, n_rows, weights, weight_stride, n_out, outs,
           [rows](int r, int64_t i) { return F16ToF32(static_cast<const uint16_t*>(rows[r])[i]); });
}

void AxpyRowQ8_0Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs) {
  for (int h = 0; h < n_out; ++h) {
    for (int r = 0; r < n_rows; ++r) {
      const BlockQ8_0* blocks = static_cast<const BlockQ8_0*>(rows[r]);
      for (int64_t b = 0; b < n / kQK; ++b) {
        const float scale = weights[h * weight_stride + r] * F16ToF32(blocks[b].d);
        float* o = outs[h] + b * kQK;
        for (int j = 0; j < kQK; ++j) o[j] += scale * static_cast<float>(blocks[b].qs[j]);
      }
    }
  }
}

void ScoreRowsF32Ref(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
                     float* scores, int64_t score_stride) {
  ScoreRows(VecDotF32Ref, n, n_keys, keys, q, q_stride, n_heads, scores, score_stride);
}

void ScoreRowsF16Ref(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
                     float* scores, int64_t score_stride) {
  ScoreRows(VecDotF16Ref, n, n_keys, keys, q, q_stride, n_heads, scores, score_stride);
}

void ScoreRowsQ8_0Ref(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
                      float* scores, int64_t score_stride) {
  ScoreRows(DotQ8_0F32, n, n_keys, keys, q, q_stride, n_heads, scores, score_stride);
}

}  // namespace hearth
