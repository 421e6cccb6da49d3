// AVX-512 twins of the f32 and f16 dot kernels (ref/vec_dot_ref.cc) against f32 activations, with
// a four-row form. Their hot use is attention's q·k on an f32 or f16 K/V cache, where every key
// meets all the query heads of its group (8 for E2B): the four-row form converts each f16 key
// once for four heads instead of once per head (16K-token f16 decode spent 16% of its time in
// the one-head f16 dot). 16 floats per vector, four accumulators per row; the tail below 16
// elements is masked, so any n works. Every row sees the same operations in both forms, so the
// results are bit-identical; against the scalar kernels only the summation order differs.
#include <immintrin.h>

// GCC 12's avx512fintrin.h builds _mm512_undefined_*() from a self-initialised local, which
// -Wuninitialized reports wherever an intrinsic that uses it (set1, casts, reduce) is inlined.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/vec_dot.h"

namespace hearth {
namespace {

constexpr int kLanes = 16;
constexpr int kChains = 4;

// Loads 16 weights (or the first `count` of them, zeros above) as floats.
struct F32Weights {
  const float* w;
  __m512 operator()(int64_t i) const { return _mm512_loadu_ps(w + i); }
  __m512 operator()(int64_t i, __mmask16 mask) const { return _mm512_maskz_loadu_ps(mask, w + i); }
};
struct F16Weights {
  const uint16_t* w;
  __m512 operator()(int64_t i) const {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i)));
  }
  __m512 operator()(int64_t i, __mmask16 mask) const { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, w + i)); }
};

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
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
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
  return FloatDot(n, F32Weights{static_cast<const float*>(w)}, a);
}

float VecDotF16Avx512(int64_t n, const void* w, const void* a) {
  return FloatDot(n, F16Weights{static_cast<const uint16_t*>(w)}, a);
}

void VecDot4F32Avx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out, int64_t out_stride) {
  FloatDotRows<4>(n, F32Weights{static_cast<const float*>(w)}, a, a_stride, out, out_stride);
}

void VecDot4F16Avx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out, int64_t out_stride) {
  FloatDotRows<4>(n, F16Weights{static_cast<const uint16_t*>(w)}, a, a_stride, out, out_stride);
}

}  // namespace hearth
