// Loads of 16 elements of an f32 or f16 row as floats, whole or masked (zeros above the mask), for
// the AVX-512 float kernels (x86/vec_dot_f_avx512.cc, x86/kv_row_avx512.cc). Include only from
// files built with the *_avx512.cc options.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

// GCC 12's avx512fintrin.h builds _mm512_undefined_*() from a self-initialised local, which
// -Wuninitialized reports wherever an intrinsic that uses it (set1, casts, reduce) is inlined.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace hearth::avx512 {

inline constexpr int kLanes = 16;

// The mask of the first `count` lanes: none for count <= 0, all 16 for count >= 16.
inline __mmask16 FirstLanes(int64_t count) {
  const int64_t lanes = std::clamp<int64_t>(count, 0, kLanes);
  return static_cast<__mmask16>((1u << lanes) - 1);
}

struct F32Row {
  const float* p;
  explicit F32Row(const void* row) : p(static_cast<const float*>(row)) {}
  static int64_t RowBytes(int64_t n) { return n * 4; }
  __m512 operator()(int64_t i) const { return _mm512_loadu_ps(p + i); }
  __m512 operator()(int64_t i, __mmask16 mask) const { return _mm512_maskz_loadu_ps(mask, p + i); }
};

struct F16Row {
  const uint16_t* p;
  explicit F16Row(const void* row) : p(static_cast<const uint16_t*>(row)) {}
  static int64_t RowBytes(int64_t n) { return n * 2; }
  __m512 operator()(int64_t i) const {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
  }
  __m512 operator()(int64_t i, __mmask16 mask) const { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p + i)); }
};

}  // namespace hearth::avx512
