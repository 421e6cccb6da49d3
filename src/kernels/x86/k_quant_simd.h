// Super-block scale decoding shared by the AVX2 and AVX-512 K-quant kernels (x86/vec_dot_k_*.cc).
// Include only from files built with at least -mavx2 (the *_avx2.cc / *_avx512.cc naming rule).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/avx2_util.h"
#include "quant/block_formats.h"

namespace hearth::avx2 {

// The eight 6-bit scales and mins of a Q4_K / Q5_K super-block as two vectors of 8 x i16
// (layout in block_formats.h): bytes 0-3 and 4-7 hold the low sub-blocks' values in bits 0-5,
// bits 6-7 carry bits 4-5 of sub-blocks 4-7, whose low bits sit in the nibbles of bytes 8-11.
// Decoded in one register (no scalar byte work, which dominated the one-token kernels):
// bytes [sc0-3 | sc4-7 | m0-3 | m4-7] are built from shuffled copies of the packed bytes.
struct ScalesMinsK4 {
  __m128i scales;  // [8] i16
  __m128i mins;    // [8] i16
};
// Reads 16 bytes at `packed`: the 12 scale bytes and 4 bytes of the block's next field (both
// Q4_K and Q5_K blocks continue after the scales), which are ignored.
inline ScalesMinsK4 UnpackScalesMinsK4(const uint8_t* packed) {
  const __m128i x = Load128(packed);
  // [b0-3 | b8-11 | b4-7 | b8-11]: the bytes holding each output's low bits.
  const __m128i low_src = _mm_shuffle_epi8(x, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
  // m4-7 take the high nibbles of b8-11.
  const __m128i low_shifted = _mm_blend_epi32(low_src, _mm_srli_epi16(low_src, 4), 0x8);
  const __m128i low = _mm_and_si128(low_shifted, _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15,
                                                               15, 15, 15));
  // [0 | b0-3 | 0 | b4-7] >> 6 << 4: bits 4-5 of sc4-7 and m4-7.
  const __m128i top_src =
      _mm_shuffle_epi8(x, _mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
  const __m128i top = _mm_and_si128(_mm_srli_epi16(top_src, 2), _mm_set1_epi8(0x30));
  const __m128i bytes = _mm_or_si128(low, top);
  return {_mm_cvtepu8_epi16(bytes), _mm_cvtepu8_epi16(_mm_srli_si128(bytes, 8))};
}

// dmin * m_s for the eight sub-blocks, in float: what the activation row's pair sums meet
// (activations.h) in every K4/K5 kernel.
inline __m256 ScaledMinsK4(const ScalesMinsK4& sm, float dmin) {
  return _mm256_mul_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(sm.mins)));
}

}  // namespace hearth::avx2
