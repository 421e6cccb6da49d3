// AVX2 twins of ref/vec_dot_ref.cc: f32/f16/bf16 weights against f32 activations, and the
// 32-element block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL) against Q8_0 activations. Per block the int32 sum equals the scalar
// kernel's; only the float accumulation order differs (8 lanes, two accumulators).
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "kernels/vec_dot.h"
#include "kernels/x86/avx2_util.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

using avx2::DotI8;
using avx2::HalfToFloat;
using avx2::HorizontalSum;
using avx2::Load128;
using avx2::Load256;

// Dot of f32 activations with weights converted 8 at a time by `load8` (f32, f16 or bf16), four
// independent FMA chains to hide FMA latency; the scalar tail handles n % 8.
template <typename Load8, typename Scalar>
float FloatDot(int64_t n, const float* a, Load8 load8, Scalar scalar) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int u = 0; u < 4; ++u) {
      acc[u] = _mm256_fmadd_ps(load8(i + 8 * u), _mm256_loadu_ps(a + i + 8 * u), acc[u]);
    }
  }
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load8(i), _mm256_loadu_ps(a + i), acc[0]);
  float sum =
      HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += scalar(i) * a[i];
  return sum;
}

// Offset term of the asymmetric formats (Q4_1, Q5_1: x = d * q + m): none for the others.
struct NoOffset {
  static constexpr bool kActive = false;
  float operator()(int64_t) const { return 0.0f; }
};

// Shared loop of the 32-element formats: `weights(b)` yields block b as 32 bytes (signed, or
// unsigned q for the asymmetric formats), `scale(b)` its f16 scale d and `offset(b)` its minimum
// m, which adds m * d_a * sum(a) per block. Two blocks per step on two accumulators. kRows
// activation rows (a + i * a_stride) share each decoded weight block; every row sees exactly the
// operations of the one-row kernel, so the results are bit-identical to it.
template <int kRows, typename Weights, typename Scale, typename Offset = NoOffset>
void Q8Dot(int64_t n, const uint8_t* a, size_t a_stride, Weights weights, Scale scale, float* out,
           int64_t out_stride, Offset offset = {}) {
  __m256 acc[2][kRows];
  const BlockQ8_0* ab[kRows];
  for (int i = 0; i < kRows; ++i) {
    acc[0][i] = _mm256_setzero_ps();
    acc[1][i] = _mm256_setzero_ps();
    ab[i] = reinterpret_cast<const BlockQ8_0*>(a + i * a_stride);
  }
  const __m256i ones = _mm256_set1_epi8(1);
  const auto step = [&](int64_t b, __m256* slot) {
    const __m256i wq = weights(b);
    const float d = scale(b);
    for (int i = 0; i < kRows; ++i) {
      const float da = HalfToFloat(ab[i][b].d);
      const __m256i aq = Load256(ab[i][b].qs);
      slot[i] = _mm256_fmadd_ps(_mm256_set1_ps(d * da), _mm256_cvtepi32_ps(DotI8(wq, aq)), slot[i]);
      if constexpr (Offset::kActive) {
        slot[i] = _mm256_fmadd_ps(_mm256_set1_ps(offset(b) * da), _mm256_cvtepi32_ps(DotI8(ones, aq)),
                                  slot[i]);
      }
    }
  };
  const int64_t nb = n / kQK;
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    step(b, acc[0]);
    step(b + 1, acc[1]);
  }
  if (b < nb) step(b, acc[0]);
  for (int i = 0; i < kRows; ++i)
    out[i * out_stride] = HorizontalSum(_mm256_add_ps(acc[0][i], acc[1][i]));
}

}  // namespace

float VecDotF32Avx2(int64_t n, const void* w, const void* a) {
  const float* wf = static_cast<const float*>(w);
  return FloatDot(
      n, static_cast<const float*>(a), [wf](int64_t i) { return _mm256_loadu_ps(wf + i); },
      [wf](int64_t i) { return wf[i]; });
}

float VecDotF16Avx2(int64_t n, const void* w, const void* a) {
  const uint16_t* wh = static_cast<const uint16_t*>(w);
  return FloatDot(
      n, static_cast<const float*>(a), [wh](int64_t i) { return _mm256_cvtph_ps(Load128(wh + i)); },
      [wh](int64_t i) { return HalfToFloat(wh[i]); });
}

float VecDotBF16Avx2(int64_t n, const void* w, const void* a) {
  const uint16_t* wh = static_cast<const uint16_t*>(w);
  // bf16 is the top half of an f32: widen to 32 bits and shift into place.
  return FloatDot(
      n, static_cast<const float*>(a),
      [wh](int64_t i) {
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(Load128(wh + i)), 16));
      },
      [wh](int64_t i) { return _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(wh[i] << 16))); });
}

namespace {

// Block decoders of the 32-element formats: block b as 32 signed bytes, and its scale.
struct Q4_0Blocks {
  const BlockQ4_0* wb;
  __m256i operator()(int64_t b) const {
    return _mm256_sub_epi8(avx2::SplitNibbles16(wb[b].qs), _mm256_set1_epi8(8));
  }
};
struct Q5_0Blocks {
  const BlockQ5_0* wb;
  __m256i operator()(int64_t b) const {
    uint32_t qh;
    std::memcpy(&qh, wb[b].qh, 4);
    // q - 16 = nibble - (fifth bit ? 0 : 16): a clear bit puts 0xF0 (-16) above the nibble.
    const __m256i minus16 =
        _mm256_andnot_si256(avx2::BitsToByteMask(qh), _mm256_set1_epi8(static_cast<char>(0xF0)));
    return _mm256_or_si256(avx2::SplitNibbles16(wb[b].qs), minus16);
  }
};
// Q4_1 / Q5_1: unsigned q (0..15 / 0..31); DotI8 leaves non-negative weights unchanged.
struct Q4_1Blocks {
  const BlockQ4_1* wb;
  __m256i operator()(int64_t b) const { return avx2::SplitNibbles16(wb[b].qs); }
};
struct Q5_1Blocks {
  const BlockQ5_1* wb;
  __m256i operator()(int64_t b) const {
    uint32_t qh;
    std::memcpy(&qh, wb[b].qh, 4);
    return _mm256_or_si256(avx2::SplitNibbles16(wb[b].qs),
                           _mm256_and_si256(avx2::BitsToByteMask(qh), _mm256_set1_epi8(16)));
  }
};
template <typename Block>
struct HalfOffset {
  static constexpr bool kActive = true;
  const Block* wb;
  float operator()(int64_t b) const { return HalfToFloat(wb[b].m); }
};
struct Q8_0Blocks {
  const BlockQ8_0* wb;
  __m256i operator()(int64_t b) const { return Load256(wb[b].qs); }
};
struct IQ4_NLBlocks {
  const BlockIQ4_NL* wb;
  __m256i table;  // the 16-entry code book in both lanes: one shuffle decodes 32 indices
  __m256i operator()(int64_t b) const {
    return _mm256_shuffle_epi8(table, avx2::SplitNibbles16(wb[b].qs));
  }
};
template <typename Block>
struct HalfScale {
  const Block* wb;
  float operator()(int64_t b) const { return HalfToFloat(wb[b].d); }
};

template <typename Blocks, typename Block>
Blocks MakeBlocks(const void* w) {
  if constexpr (std::is_same_v<Blocks, IQ4_NLBlocks>) {
    return {static_cast<const Block*>(w), _mm256_broadcastsi128_si256(Load128(kIq4nlValues))};
  } else {
    return {static_cast<const Block*>(w)};
  }
}

template <typename Block>
auto MakeOffset(const void* w) {
  if constexpr (std::is_same_v<Block, BlockQ4_1> || std::is_same_v<Block, BlockQ5_1>) {
    return HalfOffset<Block>{static_cast<const Block*>(w)};
  } else {
    return NoOffset{};
  }
}

// The one-row and four-row entry points of a 32-element format, from its block decoder.
template <typename Blocks, typename Block>
float Dot1(int64_t n, const void* w, const void* a) {
  float out;
  Q8Dot<1>(n, static_cast<const uint8_t*>(a), 0, MakeBlocks<Blocks, Block>(w),
           HalfScale<Block>{static_cast<const Block*>(w)}, &out, 0, MakeOffset<Block>(w));
  return out;
}

template <typename Blocks, typename Block>
void Dot4(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
          int64_t out_stride) {
  Q8Dot<4>(n, a, a_stride, MakeBlocks<Blocks, Block>(w),
           HalfScale<Block>{static_cast<const Block*>(w)}, out, out_stride, MakeOffset<Block>(w));
}

}  // namespace

float VecDotQ4_0Avx2(int64_t n, const void* w, const void* a) {
  return Dot1<Q4_0Blocks, BlockQ4_0>(n, w, a);
}
float VecDotQ4_1Avx2(int64_t n, const void* w, const void* a) {
  return Dot1<Q4_1Blocks, BlockQ4_1>(n, w, a);
}
float VecDotQ5_1Avx2(int64_t n, const void* w, const void* a) {
  return Dot1<Q5_1Blocks, BlockQ5_1>(n, w, a);
}
float VecDotQ5_0Avx2(int64_t n, const void* w, const void* a) {
  return Dot1<Q5_0Blocks, BlockQ5_0>(n, w, a);
}
float VecDotQ8_0Avx2(int64_t n, const void* w, const void* a) {
  return Dot1<Q8_0Blocks, BlockQ8_0>(n, w, a);
}
float VecDotIQ4_NLAvx2(int64_t n, const void* w, const void* a) {
  return Dot1<IQ4_NLBlocks, BlockIQ4_NL>(n, w, a);
}

void VecDot4Q4_0Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  Dot4<Q4_0Blocks, BlockQ4_0>(n, w, a, a_stride, out, out_stride);
}
void VecDot4Q4_1Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  Dot4<Q4_1Blocks, BlockQ4_1>(n, w, a, a_stride, out, out_stride);
}
void VecDot4Q5_1Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  Dot4<Q5_1Blocks, BlockQ5_1>(n, w, a, a_stride, out, out_stride);
}
void VecDot4Q5_0Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  Dot4<Q5_0Blocks, BlockQ5_0>(n, w, a, a_stride, out, out_stride);
}
void VecDot4Q8_0Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride) {
  Dot4<Q8_0Blocks, BlockQ8_0>(n, w, a, a_stride, out, out_stride);
}
void VecDot4IQ4_NLAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride) {
  Dot4<IQ4_NLBlocks, BlockIQ4_NL>(n, w, a, a_stride, out, out_stride);
}

}  // namespace hearth
