// AVX-512 twins of the f32 and f16 dot kernels (ref/vec_dot_ref.cc) against f32 activations, with
// a four-row form (four tokens per weight row in prefill): MatMul over f32 and f16 weights.
// Attention's q·k on AVX-512 uses the score kernels of x86/kv_row_avx512.cc instead. 16 floats per vector, four accumulators per row; the tail below 16
// elements is masked, so any n works. Every row sees the same operations in both forms, so the
// results are bit-identical; against the scalar kernels only the summation order differs.
#include "kernels/vec_dot.h"
#include "kernels/x86/avx512_float_rows.h"

namespace hearth {
namespace {

using avx512::F16Row;
using avx512::F32Row;
using avx512::kLanes;
constexpr int kChains = 4;

// kRows activation rows (a + r * a_stride bytes, f32) against one weight row: out[r * out_stride].
template <int kRows, typename Weights>
void FloatDotRows(int64_t n, Weights weights, const uint8_t* a, size_t a_stride, float* out, int64_t out_stride) {
  const float* af[kRows];
  __m512 acc[kRows][kChains];
  for (int r = 0; r < kRows; ++r) {
    af[r] = reinterpret_cast<const float*>(a + r * a_stride);
    for (int u = 0; u < kChains; ++u) acc[r][u] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + kChains * kLanes <= n; i += kChains * kLanes) {
    for (int u = 0; u < kChains; ++u) {
      const __m512 w = weights(i + kLanes * u);
      for (int r = 0; r < kRows; ++r) {
        acc[r][u] = _mm512_fmadd_ps(w, _mm512_loadu_ps(af[r] + i + kLanes * u), acc[r][u]);
      }
    }
  }
  for (; i + kLanes <= n; i += kLanes) {
    const __m512 w = weights(i);
    for (int r = 0; r < kRows; ++r) acc[r][0] = _mm512_fmadd_ps(w, _mm512_loadu_ps(af[r] + i), acc[r][0]);
  }
  if (i < n) {
    const __mmask16 mask = avx512::FirstLanes(n - i);
    const __m512 w = weights(i, mask);
    for (int r = 0; r < kRows; ++r) {
      acc[r][0] = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(mask, af[r] + i), acc[r][0]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    out[r * out_stride] =
        _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]), _mm512_add_ps(acc[r][2], acc[r][3])));
  }
}

template <typename Weights>
float FloatDot(int64_t n, Weights weights, const void* a) {
  float out;
  FloatDotRows<1>(n, weights, static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

}  // namespace

float VecDotF32Avx512(int64_t n, const void* w, const void* a) {
  return FloatDot(n, F32Row(w), a);
}

float VecDotF16Avx512(int64_t n, const void* w, const void* a) {
  return FloatDot(n, F16Row(w), a);
}

void VecDot4F32Avx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out, int64_t out_stride) {
  FloatDotRows<4>(n, F32Row(w), a, a_stride, out, out_stride);
}

void VecDot4F16Avx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out, int64_t out_stride) {
  FloatDotRows<4>(n, F16Row(w), a, a_stride, out, out_stride);
}

}  // namespace hearth
