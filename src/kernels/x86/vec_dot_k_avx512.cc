// AVX-512 (F, BW, VNNI) twins of the Q4_K and Q6_K dot kernels, the two types of a Q4_K_M file's
// hot matrices. Same integer sums as ref/vec_dot_ref_k.cc and x86/vec_dot_k_avx2.cc; two things
// make them cheaper per weight than the AVX2 kernels:
//  - 64 bytes per instruction: a 512-bit register holds two 32-element sub-blocks, laid out so
//    that the activations they meet are 64 contiguous bytes of the Q8_K row (one load);
//  - VNNI's vpdpwssd applies the i16 sub-block scale and accumulates in one instruction where
//    AVX2 needs vpmaddwd + vpaddd.
// Only float accumulation order differs from the scalar kernels.
#include <immintrin.h>

// GCC 12's avx512fintrin.h builds _mm512_undefined_*() from a self-initialised local, which
// -Wuninitialized reports wherever an intrinsic that uses it (set1, casts, reduce) is inlined.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/activations.h"
#include "kernels/vec_dot.h"
#include "kernels/x86/avx2_util.h"
#include "kernels/x86/k_quant_simd.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

using avx2::HalfToFloat;
using avx2::Load128;
using avx2::Load256;
using avx2::ScaledMinsK4;
using avx2::ScalesMinsK4;
using avx2::UnpackScalesMinsK4;

inline __m512i Load512(const void* p) { return _mm512_loadu_si512(p); }

// 32 bytes copied into both halves of a 512-bit register.
inline __m512i Broadcast256(const void* p) { return _mm512_broadcast_i64x4(Load256(p)); }

// Per-i16-lane shift counts: `low` in the low 256 bits, `high` in the high 256 bits.
inline __m512i HalfShifts(short low, short high) {
  return _mm512_inserti64x4(_mm512_set1_epi16(low), _mm256_set1_epi16(high), 1);
}

// vpermw indices that spread i16 scales over the 32 i16 pair sums of one 64-byte vpmaddubsw:
// pair sum k (elements 2k, 2k+1) takes scale first + k / group, group = elements per scale / 2.
// Four tables: Q4_K chunk c uses first = 2c, group 16; Q6_K run pair j uses first = 4j, group 8.
struct ScaleIndexTable {
  alignas(64) short idx[4][32];
};
constexpr ScaleIndexTable MakeScaleIndex(int first_step, int group) {
  ScaleIndexTable t{};
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 32; ++k) t.idx[j][k] = static_cast<short>(first_step * j + k / group);
  return t;
}
constexpr ScaleIndexTable kQ4KScaleIndex = MakeScaleIndex(2, 16);
constexpr ScaleIndexTable kQ6KScaleIndex = MakeScaleIndex(4, 8);

inline __m512i ScaleIndex(const ScaleIndexTable& t, int j) { return _mm512_load_si512(t.idx[j]); }

// Q4_K: chunk c (32 bytes of qs) holds sub-block 2c in its low nibbles and 2c + 1 in its high
// nibbles. Broadcast to both halves and shifted by 0 / 4, it becomes elements 64c .. 64c + 63 in
// order, which meet activation bytes 64c .. 64c + 63. The min offsets meet the activation row's
// pair sums (activations.h): one float multiply-add per block and token, in the low 8 lanes of
// the same accumulator.
template <int kRows>
void VecDotQ4K(int64_t n, const BlockQ4_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i nibble_shift = HalfShifts(0, 4);
  const BlockQ8_K* ab[kRows];
  const float* pair_sums[kRows];
  __m512 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    pair_sums[i] = Q8KPairSums(a + i * a_stride, n);
    acc[i] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    const ScalesMinsK4 sm = UnpackScalesMinsK4(wb[b].scales);
    const __m512i scales = _mm512_castsi128_si512(sm.scales);
    // dmin * m_s in lanes 0-7, zero above: fnmadd leaves lanes 8-15 of acc alone.
    const __m512 mins = _mm512_zextps256_ps512(ScaledMinsK4(sm, HalfToFloat(wb[b].dmin)));
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm512_fnmadd_ps(mins, _mm512_zextps256_ps512(_mm256_loadu_ps(pair_sums[i] + 8 * b)), acc[i]);
    }
    __m512i sumi[kRows];
    for (int c = 0; c < 4; ++c) {
      const __m512i q =
          _mm512_and_si512(_mm512_srlv_epi16(Broadcast256(wb[b].qs + 32 * c), nibble_shift), low4);
      const __m512i sc = _mm512_permutexvar_epi16(ScaleIndex(kQ4KScaleIndex, c), scales);
      for (int i = 0; i < kRows; ++i) {
        const __m512i pairs = _mm512_maddubs_epi16(q, Load512(ab[i][b].qs + 64 * c));
        // The first chunk starts the sum (vpmaddwd), so no zeroed register is needed.
        sumi[i] = c == 0 ? _mm512_madd_epi16(pairs, sc) : _mm512_dpwssd_epi32(sumi[i], pairs, sc);
      }
    }
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ab[i][b].d * dw), _mm512_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
}

// Q6_K half h (elements 128h .. 128h + 127): ql bytes 64h .. 64h + 63 give the low nibbles of
// elements 128h + 0..63 and (shifted down 4) of 128h + 64..127; the 32 qh bytes carry bits 4-5 of
// all four 32-element runs at bit pairs 0-1, 2-3, 4-5, 6-7. q is dotted unsigned (0..63); the
// -32 offset comes back through the activation group sums, as in the AVX2 kernel.
template <int kRows>
void VecDotQ6K(int64_t n, const BlockQ6_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i bits45 = _mm512_set1_epi8(0x30);
  // Runs 0 and 1 take qh bits 0-1 and 2-3 up to 4-5; runs 2 and 3 take bits 4-5 and 6-7 down.
  const __m512i up_shift = HalfShifts(4, 2);
  const __m512i down_shift = HalfShifts(0, 2);
  const BlockQ8_K* ab[kRows];
  __m512 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    acc[i] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float dw = HalfToFloat(wb[b].d);
    const __m256i scales16 = _mm256_cvtepi8_epi16(Load128(wb[b].scales));
    const __m512i scales = _mm512_castsi256_si512(scales16);
    __m512i sumi[kRows];
    for (int i = 0; i < kRows; ++i) {
      sumi[i] = _mm512_zextsi256_si512(_mm256_sub_epi32(
          _mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(scales16, Load256(ab[i][b].bsums)), 5)));
    }
    for (int h = 0; h < 2; ++h) {
      const __m512i ql = Load512(wb[b].ql + 64 * h);
      const __m512i qh = Broadcast256(wb[b].qh + 32 * h);
      const __m512i q01 = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                          _mm512_and_si512(_mm512_sllv_epi16(qh, up_shift), bits45));
      const __m512i q23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                          _mm512_and_si512(_mm512_srlv_epi16(qh, down_shift), bits45));
      const __m512i sc01 = _mm512_permutexvar_epi16(ScaleIndex(kQ6KScaleIndex, 2 * h), scales);
      const __m512i sc23 = _mm512_permutexvar_epi16(ScaleIndex(kQ6KScaleIndex, 2 * h + 1), scales);
      for (int i = 0; i < kRows; ++i) {
        const int8_t* act = ab[i][b].qs + 128 * h;
        sumi[i] = _mm512_dpwssd_epi32(sumi[i], _mm512_maddubs_epi16(q01, Load512(act)), sc01);
        sumi[i] = _mm512_dpwssd_epi32(sumi[i], _mm512_maddubs_epi16(q23, Load512(act + 64)), sc23);
      }
    }
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ab[i][b].d * dw), _mm512_cvtepi32_ps(sumi[i]), acc[i]);
    }
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
}

}  // namespace

float VecDotQ4_KAvx512(int64_t n, const void* w, const void* a) {
  float out;
  VecDotQ4K<1>(n, static_cast<const BlockQ4_K*>(w), static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

float VecDotQ6_KAvx512(int64_t n, const void* w, const void* a) {
  float out;
  VecDotQ6K<1>(n, static_cast<const BlockQ6_K*>(w), static_cast<const uint8_t*>(a), 0, &out, 0);
  return out;
}

void VecDot4Q4_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride) {
  VecDotQ4K<4>(n, static_cast<const BlockQ4_K*>(w), a, a_stride, out, out_stride);
}

void VecDot8Q4_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride) {
  VecDotQ4K<8>(n, static_cast<const BlockQ4_K*>(w), a, a_stride, out, out_stride);
}

void VecDot4Q6_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride) {
  VecDotQ6K<4>(n, static_cast<const BlockQ6_K*>(w), a, a_stride, out, out_stride);
}

}  // namespace hearth
