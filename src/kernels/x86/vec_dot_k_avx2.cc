// AVX2 twins of ref/vec_dot_ref_k.cc (Q4_K, Q5_K, Q6_K against Q8_K activations). Per
// super-block they form the reference's int32 sumi / summ (spread over 8 lanes) and apply the
// float scales with one FMA; only the float accumulation order differs from the scalar kernels.
#include <immintrin.h>

#include "kernels/activations.h"
#include "kernels/vec_dot.h"
#include "kernels/x86/avx2_util.h"
#include "kernels/x86/k_quant_simd.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

using avx2::BroadcastI16Pair;
using avx2::DotU8Scaled;
using avx2::HalfToFloat;
using avx2::HorizontalSum;
using avx2::Load128;
using avx2::Load256;
using avx2::ScaledMinsK4;
using avx2::ScalesMinsK4;
using avx2::UnpackScalesMinsK4;

// Shuffle control that copies i16 element k of each lane to all 8 positions of that lane.
inline __m256i BroadcastI16(int k) {
  return _mm256_set1_epi16(static_cast<short>((2 * k + 1) << 8 | 2 * k));
}

// Q4_K and Q5_K differ only in the fifth bit; kHighBit selects it at compile time. kRows
// activation rows (a + i * a_stride) share each decoded weight chunk; every row sees exactly
// the operations of the one-row kernel, so results are bit-identical to it. The min offsets meet
// the activation row's pair sums (activations.h): one multiply-add per block and row.
template <bool kHighBit, int kRows, typename Block>
void VecDotK4K5(int64_t n, const Block* wb, const uint8_t* a, size_t a_stride, float* out,
                int64_t out_stride) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const BlockQ8_K* ab[kRows];
  const float* pair_sums[kRows];
  __m256 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    pair_sums[i] = Q8KPairSums(a + i * a_stride, n);
    acc[i] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    const ScalesMinsK4 sm = UnpackScalesMinsK4(wb[b].scales);
    const __m256 mins = ScaledMinsK4(sm, HalfToFloat(wb[b].dmin));
    const __m256i scales = _mm256_broadcastsi128_si256(sm.scales);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kHighBit) qh = Load256(wb[b].qh);
    __m256i sumi[kRows];
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm256_fnmadd_ps(mins, _mm256_loadu_ps(pair_sums[i] + 8 * b), acc[i]);
      sumi[i] = _mm256_setzero_si256();
    }
    // Chunk c: 32 bytes, low nibbles = sub-block 2c, high nibbles = sub-block 2c + 1.
    for (int c = 0; c < 4; ++c) {
      const __m256i q = Load256(wb[b].qs + 32 * c);
      __m256i q_lo = _mm256_and_si256(q, low4);
      __m256i q_hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      if constexpr (kHighBit) {
        // Sub-block s takes its fifth bit from bit s of qh[l].
        const __m256i bit_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
        const __m256i bit_hi = _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1)));
        const __m256i sixteen = _mm256_set1_epi8(16);
        q_lo = _mm256_or_si256(
            q_lo,
            _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_lo), bit_lo), sixteen));
        q_hi = _mm256_or_si256(
            q_hi,
            _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_hi), bit_hi), sixteen));
      }
      const __m256i sc_lo = _mm256_shuffle_epi8(scales, BroadcastI16(2 * c));
      const __m256i sc_hi = _mm256_shuffle_epi8(scales, BroadcastI16(2 * c + 1));
      for (int i = 0; i < kRows; ++i) {
        sumi[i] =
            _mm256_add_epi32(sumi[i], DotU8Scaled(q_lo, Load256(ab[i][b].qs + 64 * c), sc_lo));
        sumi[i] =
            _mm256_add_epi32(sumi[i], DotU8Scaled(q_hi, Load256(ab[i][b].qs + 64 * c + 32), sc_hi));
      }
    }
    for (int i = 0; i < kRows; ++i) {
      acc[i] =
          _mm256_fmadd_ps(_mm256_set1_ps(ab[i][b].d * dw), _mm256_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = HorizontalSum(acc[i]);
}

// q in 0..63 is dotted unsigned; the -32 offset comes back through the activation group sums:
// sum_s sc_s * sum (q - 32) * a = sum_s sc_s * sum q * a - 32 * sum_s sc_s * bsums_s.
template <int kRows>
void VecDotQ6K(int64_t n, const BlockQ6_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i bits45 = _mm256_set1_epi8(0x30);
  const BlockQ8_K* ab[kRows];
  __m256 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    acc[i] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    const __m256i scales16 = _mm256_cvtepi8_epi16(Load128(wb[b].scales));
    __m256i sumi[kRows];
    for (int i = 0; i < kRows; ++i) {
      sumi[i] = _mm256_sub_epi32(
          _mm256_setzero_si256(),
          _mm256_slli_epi32(_mm256_madd_epi16(scales16, Load256(ab[i][b].bsums)), 5));
    }
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = wb[b].ql + 64 * h;
      const __m256i ql0 = Load256(ql);
      const __m256i ql1 = Load256(ql + 32);
      const __m256i qh = Load256(wb[b].qh + 32 * h);
      // Elements 128h + 32j + l, j = 0..3: nibble from ql0/ql1 low/high, bits 2j..2j+1 of qh
      // moved to bits 4-5 (16-bit shifts are safe: the 0x30 mask drops bits from the neighbour).
      const __m256i q[4] = {_mm256_or_si256(_mm256_and_si256(ql0, low4),
                                            _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45)),
                            _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                            _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45)),
                            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                            _mm256_and_si256(qh, bits45)),
                            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45))};
      const __m256i scales = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(wb[b].scales + 8 * h))));
      for (int j = 0; j < 4; ++j) {
        const __m256i sc = _mm256_shuffle_epi8(scales, BroadcastI16Pair(j));
        for (int i = 0; i < kRows; ++i) {
          sumi[i] = _mm256_add_epi32(
              sumi[i], DotU8Scaled(q[j], Load256(ab[i][b].qs + 128 * h + 32 * j), sc));
        }
      }
    }
    for (int i = 0; i < kRows; ++i) {
      acc[i] =
          _mm256_fmadd_ps(_mm256_set1_ps(ab[i][b].d * dw), _mm256_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = HorizontalSum(acc[i]);
}

}  // namespace

float VecDotQ4_KAvx2(int64_t n, const void* w, const void* a) {
  float out;
  VecDotK4K5<false, 1>(n, static_cast<const BlockQ4_K*>(w), static_cast<const uint8_t*>(a), 0, &out,
                       0);
  return out;
}

float VecDotQ5_KAvx2(int64_t n, const void* w, const void* a) {
  float out;
  VecDotK4K5<true, 1>(n, static_cast<const BlockQ5_K*>(w), static_cast<const uint8_t*>(a), 0, &out,
                      0);
  return out;
}

float VecDotQ6_KAvx2(int64_t n, const void* w, const void* a) {
  float out;
  VecDotQ6K<1>(n, static_cast<const BlockQ6_K*>(w), static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

void VecDot4Q4_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  VecDotK4K5<false, 4>(n, static_cast<const BlockQ4_K*>(w), a, a_stride, out, out_stride);
}

void VecDot4Q5_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  VecDotK4K5<true, 4>(n, static_cast<const BlockQ5_K*>(w), a, a_stride, out, out_stride);
}

void VecDot4Q6_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  VecDotQ6K<4>(n, static_cast<const BlockQ6_K*>(w), a, a_stride, out, out_stride);
}

}  // namespace hearth
