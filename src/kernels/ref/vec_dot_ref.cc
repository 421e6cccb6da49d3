// Scalar dot kernels for f32/f16/bf16 weights (f32 activations) and the 32-element block formats
// (Q8_0 activations). They define the integer sums the SIMD twins must reproduce exactly, and are
// the fallback on CPUs without AVX2.
#include <cstring>

#include "base/fp16.h"
#include "kernels/vec_dot.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

// Low nibble is element j, high nibble element j + 16 (Q4_0, Q4_1, Q5_*, IQ4_NL).
inline int LowNibble(const uint8_t* qs, int j) { return qs[j] & 0xF; }
inline int HighNibble(const uint8_t* qs, int j) { return qs[j] >> 4; }

inline uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline int SumQs(const BlockQ8_0& a) {
  int s = 0;
  for (int j = 0; j < kQK; ++j) s += a.qs[j];
  return s;
}

}  // namespace

float VecDotF32Ref(int64_t n, const void* w, const void* a) {
  const float* wf = static_cast<const float*>(w);
  const float* af = static_cast<const float*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += wf[i] * af[i];
  return sum;
}

float VecDotF16Ref(int64_t n, const void* w, const void* a) {
  const uint16_t* wh = static_cast<const uint16_t*>(w);
  const float* af = static_cast<const float*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += F16ToF32(wh[i]) * af[i];
  return sum;
}

float VecDotBF16Ref(int64_t n, const void* w, const void* a) {
  const uint16_t* wh = static_cast<const uint16_t*>(w);
  const float* af = static_cast<const float*>(a);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += Bf16ToF32(wh[i]) * af[i];
  return sum;
}

// sum_b d_w * d_a * sum_j (q_j - 8) * a_j
float VecDotQ4_0Ref(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ4_0*>(w);
  const auto* ab = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += (LowNibble(wb[b].qs, j) - 8) * ab[b].qs[j];
      sumi += (HighNibble(wb[b].qs, j) - 8) * ab[b].qs[j + kQK / 2];
    }
    sum += static_cast<float>(sumi) * (F16ToF32(wb[b].d) * F16ToF32(ab[b].d));
  }
  return sum;
}

// sum_b d_w * d_a * sum_j q_j * a_j + m_w * d_a * sum_j a_j. The activation sum is exact here
// (llama.cpp uses Q8_1, whose precomputed sum is rounded to f16).
float VecDotQ4_1Ref(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ4_1*>(w);
  const auto* ab = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += LowNibble(wb[b].qs, j) * ab[b].qs[j];
      sumi += HighNibble(wb[b].qs, j) * ab[b].qs[j + kQK / 2];
    }
    const float da = F16ToF32(ab[b].d);
    sum += static_cast<float>(sumi) * (F16ToF32(wb[b].d) * da) +
           static_cast<float>(SumQs(ab[b])) * (F16ToF32(wb[b].m) * da);
  }
  return sum;
}

// Fifth bit of element j is bit j of qh; q in 0..31, x = d * (q - 16).
float VecDotQ5_0Ref(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ5_0*>(w);
  const auto* ab = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const uint32_t qh = LoadU32(wb[b].qh);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = LowNibble(wb[b].qs, j) | static_cast<int>((qh >> j) & 1) << 4;
      const int hi = HighNibble(wb[b].qs, j) | static_cast<int>((qh >> (j + 16)) & 1) << 4;
      sumi += (lo - 16) * ab[b].qs[j] + (hi - 16) * ab[b].qs[j + kQK / 2];
    }
    sum += static_cast<float>(sumi) * (F16ToF32(wb[b].d) * F16ToF32(ab[b].d));
  }
  return sum;
}

float VecDotQ5_1Ref(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ5_1*>(w);
  const auto* ab = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const uint32_t qh = LoadU32(wb[b].qh);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = LowNibble(wb[b].qs, j) | static_cast<int>((qh >> j) & 1) << 4;
      const int hi = HighNibble(wb[b].qs, j) | static_cast<int>((qh >> (j + 16)) & 1) << 4;
      sumi += lo * ab[b].qs[j] + hi * ab[b].qs[j + kQK / 2];
    }
    const float da = F16ToF32(ab[b].d);
    sum += static_cast<float>(sumi) * (F16ToF32(wb[b].d) * da) +
           static_cast<float>(SumQs(ab[b])) * (F16ToF32(wb[b].m) * da);
  }
  return sum;
}

float VecDotQ8_0Ref(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ8_0*>(w);
  const auto* ab = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += wb[b].qs[j] * ab[b].qs[j];
    sum += static_cast<float>(sumi) * (F16ToF32(wb[b].d) * F16ToF32(ab[b].d));
  }
  return sum;
}

float VecDotIQ4_NLRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockIQ4_NL*>(w);
  const auto* ab = static_cast<const BlockQ8_0*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += kIq4nlValues[LowNibble(wb[b].qs, j)] * ab[b].qs[j];
      sumi += kIq4nlValues[HighNibble(wb[b].qs, j)] * ab[b].qs[j + kQK / 2];
    }
    sum += static_cast<float>(sumi) * (F16ToF32(wb[b].d) * F16ToF32(ab[b].d));
  }
  return sum;
}

}  // namespace hearth
