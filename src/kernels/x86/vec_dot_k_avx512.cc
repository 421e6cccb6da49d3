// AVX-512 (F, BW, VNNI) twins of the Q4_K and Q6_K dot kernels, the two types of a Q4_K_M file's
// hot matrices. One vpdpbusd multiplies 64 weights by 64 activation bytes and adds them, four at
// a time, into 16 i32 lanes: one instruction per 64 weights and token, where the AVX2 kernels
// (and these, before) need vpmaddubsw and a scale multiply-add. The sub-block scales cannot
// ride in the 8-bit products, so the weights are arranged so that each lane collects a single
// sub-block over the whole block, and the activation row is prepared in the matching order
// (activations.h, ActivationOrder); each lane's sum is then scaled once, in float. The integer
// sums of each sub-block are those of ref/vec_dot_ref_k.cc; the float arithmetic after them
// differs in order and in where the sub-block scale is applied.
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

// The one-token kernels prefetch their own weights (VecDotKernel::fn_prefetches): every cache
// line of `block`, kWeightPrefetchBytes ahead. The last byte covers a line the 64-byte steps
// skip when the block straddles one more line than its size suggests.
template <typename Block>
inline void PrefetchAhead(const Block* block) {
  const char* ahead = reinterpret_cast<const char*>(block) + kWeightPrefetchBytes;
  for (size_t off = 0; off < sizeof(Block); off += 64) _mm_prefetch(ahead + off, _MM_HINT_T0);
  _mm_prefetch(ahead + sizeof(Block) - 1, _MM_HINT_T0);
}

// Per-i16-lane shift counts: `low` in the low 256 bits, `high` in the high 256 bits.
inline __m512i HalfShifts(short low, short high) {
  return _mm512_inserti64x4(_mm512_set1_epi16(low), _mm256_set1_epi16(high), 1);
}

// acc + (weight lane scales x activation block scale d_a) * lane sums: the end of every block and
// token in both lane-order kernels.
inline __m512 AddScaledLanes(__m512 lane_scales, float d_a, __m512i sumi, __m512 acc) {
  return _mm512_fmadd_ps(_mm512_mul_ps(lane_scales, _mm512_set1_ps(d_a)), _mm512_cvtepi32_ps(sumi), acc);
}

// Q4_K against an activation row in Q4_K lane order (activations.h), one vpdpbusd per 64
// weights and token: the sub-block scales cannot ride in the 8-bit products, so every i32 lane
// must collect a single sub-block over the whole block, to be scaled once at the end. Register
// R_j (j < 4) takes qword j of each 32-byte chunk c (qs qwords 4c + j), low nibbles in its low
// half and high nibbles in its high half; lane k then always holds sub-block
// 2 * ((k % 8) / 2) + k / 8 (kLaneSubBlock), and the activation row is stored in the matching
// order, so its 64-byte runs load straight. The min offsets meet the row's pair sums
// (activations.h): one float multiply-add per block and token, in the low 8 lanes.
constexpr int kLaneSubBlock[16] = {0, 0, 2, 2, 4, 4, 6, 6, 1, 1, 3, 3, 5, 5, 7, 7};

template <int kRows>
void VecDotQ4K(int64_t n, const BlockQ4_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i nibble_shift = HalfShifts(0, 4);
  const __m512i lane_sub_block = _mm512_loadu_si512(kLaneSubBlock);
  const BlockQ8_K* ab[kRows];
  const float* pair_sums[kRows];
  __m512 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    pair_sums[i] = Q8KPairSums(a + i * a_stride, n);
    acc[i] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    if constexpr (kRows == 1) PrefetchAhead(wb + b);
    const ScalesMinsK4 sm = UnpackScalesMinsK4(wb[b].scales);
    // d * scale of each lane's sub-block.
    const __m512 lane_scales = _mm512_mul_ps(
        _mm512_set1_ps(HalfToFloat(wb[b].d)),
        _mm512_cvtepi32_ps(_mm512_permutexvar_epi32(
            lane_sub_block, _mm512_castsi256_si512(_mm256_cvtepi16_epi32(sm.scales)))));
    // dmin * m_s in lanes 0-7, zero above: fnmadd leaves lanes 8-15 of acc alone.
    const __m512 mins = _mm512_zextps256_ps512(ScaledMinsK4(sm, HalfToFloat(wb[b].dmin)));
    for (int i = 0; i < kRows; ++i) {
      acc[i] = _mm512_fnmadd_ps(mins, _mm512_zextps256_ps512(_mm256_loadu_ps(pair_sums[i] + 8 * b)), acc[i]);
    }
    const __m512i qs_low = Load512(wb[b].qs);
    const __m512i qs_high = Load512(wb[b].qs + 64);
    __m512i sumi[kRows];
    for (int i = 0; i < kRows; ++i) sumi[i] = _mm512_setzero_si512();
    for (int j = 0; j < 4; ++j) {
      const __m512i pick = _mm512_setr_epi64(j, 4 + j, 8 + j, 12 + j, j, 4 + j, 8 + j, 12 + j);
      const __m512i q = _mm512_and_si512(
          _mm512_srlv_epi16(_mm512_permutex2var_epi64(qs_low, pick, qs_high), nibble_shift), low4);
      for (int i = 0; i < kRows; ++i) {
        sumi[i] = _mm512_dpbusd_epi32(sumi[i], q, Load512(ab[i][b].qs + 64 * j));
      }
    }
    for (int i = 0; i < kRows; ++i) acc[i] = AddScaledLanes(lane_scales, ab[i][b].d, sumi[i], acc[i]);
  }
  for (int i = 0; i < kRows; ++i) out[i * out_stride] = _mm512_reduce_add_ps(acc[i]);
}

// Q6_K against an activation row in Q6_K lane order (activations.h): register T_j (j < 4) holds
// quants 16k + 4j .. 16k + 4j + 3 in lane k, so lane k collects sub-block k over the four
// vpdpbusd. Where they sit in the block: elements 128h + 64g + m (h, g < 2; m < 64) have their low
// 4 bits in ql byte 64h + m (low nibble for g = 0, high for g = 1) and bits 4-5 in qh byte
// 32h + m % 32 at bit 2 * (2g + m / 32). So lane k takes ql dword 4 * (k % 4) + 16 * (k / 8) + j,
// shifted right by 4 when k % 8 >= 4 (kQ6KLanes.low_index, .low_shift), and qh dword
// 8 * (k / 8) + 4 * (k % 2) + j rotated so that bit pair (k % 8) / 2 lands on bits 4-5
// (.high_index, .high_rotate). q is dotted unsigned (0..63); the -32 offset is taken off each
// lane as 32 times the sub-block's activation sum (Q8_K bsums).
struct Q6KLaneTables {
  alignas(64) int low_index[4][16];
  alignas(64) int high_index[4][16];
  alignas(64) int low_shift[16];
  alignas(64) int high_rotate[16];
};
constexpr Q6KLaneTables MakeQ6KLaneTables() {
  Q6KLaneTables t{};
  for (int k = 0; k < 16; ++k) {
    for (int j = 0; j < 4; ++j) {
      t.low_index[j][k] = 4 * (k % 4) + 16 * (k / 8) + j;
      t.high_index[j][k] = 8 * (k / 8) + 4 * (k % 2) + j;
    }
    t.low_shift[k] = k % 8 >= 4 ? 4 : 0;
    t.high_rotate[k] = (4 - 2 * ((k % 8) / 2) + 32) % 32;
  }
  return t;
}
constexpr Q6KLaneTables kQ6KLanes = MakeQ6KLaneTables();

template <int kRows>
void VecDotQ6K(int64_t n, const BlockQ6_K* wb, const uint8_t* a, size_t a_stride, float* out,
               int64_t out_stride) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i bits45 = _mm512_set1_epi8(0x30);
  const __m512i low_shift = _mm512_load_si512(kQ6KLanes.low_shift);
  const __m512i high_rotate = _mm512_load_si512(kQ6KLanes.high_rotate);
  const BlockQ8_K* ab[kRows];
  __m512 acc[kRows];
  for (int i = 0; i < kRows; ++i) {
    ab[i] = reinterpret_cast<const BlockQ8_K*>(a + i * a_stride);
    acc[i] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    if constexpr (kRows == 1) PrefetchAhead(wb + b);
    // d * scale of sub-block k in lane k.
    const __m512 lane_scales = _mm512_mul_ps(_mm512_set1_ps(HalfToFloat(wb[b].d)),
                                             _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(Load128(wb[b].scales))));
    const __m512i ql_low = Load512(wb[b].ql);
    const __m512i ql_high = Load512(wb[b].ql + 64);
    const __m512i qh = Load512(wb[b].qh);
    __m512i sumi[kRows];
    for (int i = 0; i < kRows; ++i) {
      // -32 * (sum of sub-block k's activations) in lane k.
      sumi[i] = _mm512_slli_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), _mm512_cvtepi16_epi32(Load256(ab[i][b].bsums))), 5);
    }
    for (int j = 0; j < 4; ++j) {
      const __m512i low = _mm512_and_si512(
          _mm512_srlv_epi32(_mm512_permutex2var_epi32(ql_low, _mm512_load_si512(kQ6KLanes.low_index[j]), ql_high),
                            low_shift),
          low4);
      const __m512i high = _mm512_and_si512(
          _mm512_rolv_epi32(_mm512_permutexvar_epi32(_mm512_load_si512(kQ6KLanes.high_index[j]), qh), high_rotate),
          bits45);
      const __m512i q = _mm512_or_si512(low, high);
      for (int i = 0; i < kRows; ++i) {
        sumi[i] = _mm512_dpbusd_epi32(sumi[i], q, Load512(ab[i][b].qs + 64 * j));
      }
    }
    for (int i = 0; i < kRows; ++i) acc[i] = AddScaledLanes(lane_scales, ab[i][b].d, sumi[i], acc[i]);
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

void VecDot8Q6_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride) {
  VecDotQ6K<8>(n, static_cast<const BlockQ6_K*>(w), a, a_stride, out, out_stride);
}

}  // namespace hearth
