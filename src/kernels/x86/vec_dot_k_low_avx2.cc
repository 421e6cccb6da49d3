// AVX2 twins of the low-bit super-block kernels in ref/vec_dot_ref_k.cc: Q2_K and Q3_K (16
// sub-blocks of 16) and IQ4_XS (8 sub-blocks of 32), against Q8_K activations. These are what
// the "UD"/IQ mixes of real Gemma 4 GGUFs put on the FFN matrices. Per super-block they form the
// reference's int32 sumi / summ spread over 8 lanes and apply the float scales with one FMA; only
// the float accumulation order differs from the scalar kernels.
#include <immintrin.h>

#include "kernels/vec_dot.h"
#include "kernels/x86/avx2_util.h"
#include "quant/block_formats.h"
#include "quant/k_scales.h"

namespace hearth {
namespace {

using avx2::BroadcastI16Pair;
using avx2::DotI8Scaled;
using avx2::DotU8Scaled;
using avx2::HalfToFloat;
using avx2::HorizontalSum;
using avx2::Load128;
using avx2::Load256;

// The eight i16 of `v16` (sixteen i16 in two lanes) that belong to half h, in both lanes.
inline __m256i HalfInBothLanes(__m256i v16, int h) {
  return _mm256_broadcastsi128_si256(h == 0 ? _mm256_castsi256_si128(v16)
                                            : _mm256_extracti128_si256(v16, 1));
}

// Q2_K and Q3_K share the 2-bit layout: in half h, byte l holds element 128h + 32k + l at bits
// 2k..2k+1. One 32-byte chunk (h, k) therefore spans sub-blocks 8h + 2k (bytes 0..15, the low
// lane of maddubs) and 8h + 2k + 1 (the high lane); `scales16` holds the 16 sub-block scales as
// i16 and `high(h, k)` adds whatever extra bits the format puts above the two low ones.
// Returns, per activation row, 8 int32 lanes summing to sum_s scale_s * sum_{e in s} q_e * a_e.
template <int kRows, typename High>
void SumLow2(const uint8_t qs[kQK_K / 4], __m256i scales16, const BlockQ8_K* const* ab, int64_t b,
             High high, __m256i* sumi) {
  const __m256i three = _mm256_set1_epi8(3);
  for (int h = 0; h < 2; ++h) {
    const __m256i q2 = Load256(qs + 32 * h);
    const __m256i scales = HalfInBothLanes(scales16, h);
    for (int k = 0; k < 4; ++k) {
      const __m256i q = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q2, 2 * k), three), high(h, k));
      const __m256i sc = _mm256_shuffle_epi8(scales, BroadcastI16Pair(k));
      for (int i = 0; i < kRows; ++i) {
        sumi[i] = _mm256_add_epi32(sumi[i], DotU8Scaled(q, Load256(ab[i][b].qs + 128 * h + 32 * k), sc));
      }
    }
  }
}

// Q2_K: x = d * sc * q - dmin * m with q in 0..3 and 4-bit sc, m per sub-block of 16.
template <int kRows>
void VecDotQ2K(int64_t n, const BlockQ2_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m256i low4 = _mm256_set1_epi16(0x0F);
  const BlockQ8_K* ab[kRows];
  __m256 acc[kRows], acc_m[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    acc[i] = _mm256_setzero_ps();
    acc_m[i] = _mm256_setzero_ps();
  }
  const auto no_high = [](int, int) { return _mm256_setzero_si256(); };
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    const float dminw = HalfToFloat(wb[b].dmin);
    // One i16 per sub-block: scale in the low nibble, minimum in the high one.
    const __m256i packed = _mm256_cvtepu8_epi16(Load128(wb[b].scales));
    const __m256i scales16 = _mm256_and_si256(packed, low4);
    const __m256i mins16 = _mm256_srli_epi16(packed, 4);
    __m256i sumi[kRows];
    for (int i = 0; i < kRows; ++i) {
      sumi[i] = _mm256_setzero_si256();
      acc_m[i] = _mm256_fmadd_ps(_mm256_set1_ps(ab[i][b].d * dminw),
                                 _mm256_cvtepi32_ps(_mm256_madd_epi16(mins16, Load256(ab[i][b].bsums))),
                                 acc_m[i]);
    }
    SumLow2<kRows>(wb[b].qs, scales16, ab, b, no_high, sumi);
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(ab[i][b].d * dw), _mm256_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = HorizontalSum(acc[i]) - HorizontalSum(acc_m[i]);
}

// Q3_K: q = low2 + 4 * hbit - 4 in -4..3, signed 6-bit scales (stored + 32). The dot runs on the
// unsigned q + 4 (0..7, what maddubs needs); the offset returns through the group sums:
// sum_s sc_s * sum (q' - 4) * a = sum_s sc_s * sum q' * a - 4 * sum_s sc_s * bsums_s.
template <int kRows>
void VecDotQ3K(int64_t n, const BlockQ3_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m256i one = _mm256_set1_epi8(1);
  const BlockQ8_K* ab[kRows];
  __m256 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    acc[i] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    alignas(16) uint8_t sc[16];
    UnpackScalesQ3K(wb[b].scales, sc);
    const __m256i scales16 = _mm256_sub_epi16(_mm256_cvtepu8_epi16(Load128(sc)), _mm256_set1_epi16(32));
    const __m256i hmask = Load256(wb[b].hmask);
    // Element 128h + 32k + l takes bit 4h + k of hmask[l]; a 16-bit shift is safe because the
    // mask keeps bit 0 of each byte, which comes from that same byte.
    const auto high = [&](int h, int k) {
      return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hmask, 4 * h + k), one), 2);
    };
    __m256i sumi[kRows];
    for (int i = 0; i < kRows; ++i) {
      sumi[i] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                 _mm256_slli_epi32(_mm256_madd_epi16(scales16, Load256(ab[i][b].bsums)), 2));
    }
    SumLow2<kRows>(wb[b].qs, scales16, ab, b, high, sumi);
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(ab[i][b].d * dw), _mm256_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = HorizontalSum(acc[i]);
}

// IQ4_XS: code-book values (one shuffle decodes 32 indices) with a signed 6-bit scale per
// sub-block of 32; the sub-block's nibbles are in Q4_0 order, so SplitNibbles16 yields them in
// element order.
template <int kRows>
void VecDotIQ4XS(int64_t n, const BlockIQ4_XS* wb, const uint8_t* a, size_t a_stride, float* out,
                 int64_t out_stride) {
  const __m256i table = _mm256_broadcastsi128_si256(Load128(kIq4nlValues));
  const BlockQ8_K* ab[kRows];
  __m256 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    acc[i] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    __m256i sumi[kRows];
    for (int i = 0; i < kRows; ++i) sumi[i] = _mm256_setzero_si256();
    for (int s = 0; s < 8; ++s) {
      const int ls = ((wb[b].scales_l[s / 2] >> (4 * (s % 2))) & 0xF) | ((wb[b].scales_h >> (2 * s)) & 3) << 4;
      const __m256i scale = _mm256_set1_epi16(static_cast<short>(ls - 32));
      const __m256i v = _mm256_shuffle_epi8(table, avx2::SplitNibbles16(wb[b].qs + 16 * s));
      for (int i = 0; i < kRows; ++i) {
        sumi[i] = _mm256_add_epi32(sumi[i], DotI8Scaled(v, Load256(ab[i][b].qs + 32 * s), scale));
      }
    }
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(ab[i][b].d * dw), _mm256_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = HorizontalSum(acc[i]);
}

}  // namespace

float VecDotQ2_KAvx2(int64_t n, const void* w, const void* a) {
  float out;
  VecDotQ2K<1>(n, static_cast<const BlockQ2_K*>(w), static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

float VecDotQ3_KAvx2(int64_t n, const void* w, const void* a) {
  float out;
  VecDotQ3K<1>(n, static_cast<const BlockQ3_K*>(w), static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

float VecDotIQ4_XSAvx2(int64_t n, const void* w, const void* a) {
  float out;
  VecDotIQ4XS<1>(n, static_cast<const BlockIQ4_XS*>(w), static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

void VecDot4Q2_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  VecDotQ2K<4>(n, static_cast<const BlockQ2_K*>(w), a, a_stride, out, out_stride);
}

void VecDot4Q3_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  VecDotQ3K<4>(n, static_cast<const BlockQ3_K*>(w), a, a_stride, out, out_stride);
}

void VecDot4IQ4_XSAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride) {
  VecDotIQ4XS<4>(n, static_cast<const BlockIQ4_XS*>(w), a, a_stride, out, out_stride);
}

}  // namespace hearth
