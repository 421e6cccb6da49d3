// Small AVX2 building blocks shared by the x86/*_avx2.cc kernels. Include only from files built
// with -mavx2 -mfma -mf16c (the *_avx2.cc naming rule), never from baseline code.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace hearth::avx2 {

inline float HorizontalSum(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_movehdup_ps(v));
  return _mm_cvtss_f32(v);
}

inline float HorizontalSum(__m256 v) {
  return HorizontalSum(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
}

inline __m256i Load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i Load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// Exact f16 -> f32 of one stored half (F16C), same value as F16ToF32.
inline float HalfToFloat(uint16_t h) { return _cvtsh_ss(h); }

// 32 signed bytes x 32 signed bytes, each i16 pair sum weighted by the i16 in `scale` at the same
// position -> 8 int32. maddubs wants unsigned x signed, so the sign of x moves onto y; |x| <= 128
// and |y| <= 127 keep each i16 pair sum <= 32512.
inline __m256i DotI8Scaled(__m256i x, __m256i y, __m256i scale) {
  const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
  return _mm256_madd_epi16(pairs, scale);
}

// 32 signed bytes x 32 signed bytes -> 8 int32 partial sums.
inline __m256i DotI8(__m256i x, __m256i y) { return DotI8Scaled(x, y, _mm256_set1_epi16(1)); }

// 32 unsigned bytes (<= 63) x 32 signed bytes, each i16 pair sum weighted by the i16 in `scale`
// at the same position -> 8 int32.
inline __m256i DotU8Scaled(__m256i u, __m256i s, __m256i scale) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale);
}

// Shuffle control: i16 element 2k in the low lane, 2k + 1 in the high lane. Applied to a vector
// holding eight i16 scales in both lanes, it gives the scales of the two 16-element halves of a
// 32-byte chunk (maddubs puts elements 0..15 in the low lane, 16..31 in the high lane).
inline __m256i BroadcastI16Pair(int k) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<short>((4 * k + 3) << 8 | (4 * k + 2))),
                          _mm_set1_epi16(static_cast<short>((4 * k + 1) << 8 | 4 * k)));
}

// 16 packed bytes -> 32 nibbles: low nibbles (elements 0..15) in the low lane, high nibbles
// (elements 16..31) in the high lane; the 32-element block order.
inline __m256i SplitNibbles16(const uint8_t* qs) {
  const __m128i q = Load128(qs);
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}

// Byte j of the result is 0xFF where bit j of `bits` is set, else 0.
inline __m256i BitsToByteMask(uint32_t bits) {
  const __m256i spread =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                          _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                           2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

}  // namespace hearth::avx2
