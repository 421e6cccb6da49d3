// Scalar dot kernels for the 256-element super-block formats (K-quants and IQ4_XS) against Q8_K
// activations. Each super-block first unpacks its integer quants, then forms
//   sumi = sum_s scale_s * sum_{e in s} q_e * a_e   and   summ = sum_s min_s * sum_{e in s} a_e
// in int32 (bounds below), and only then applies the float super-block scales:
//   dot += d_a * (d_w * sumi - dmin_w * summ).
// The AVX2 twins form the same integers, so the two agree up to float summation order.
#include <cstdint>

#include "base/fp16.h"
#include "kernels/vec_dot.h"
#include "quant/block_formats.h"
#include "quant/k_scales.h"

namespace hearth {
namespace {

// sum_{e in [first, first + len)} q[e] * a[e]; |q| <= 63 and |a| <= 128 keep 256 terms < 2^21.
inline int DotRange(const int8_t* q, const int8_t* a, int first, int len) {
  int s = 0;
  for (int e = first; e < first + len; ++e) s += q[e] * a[e];
  return s;
}

// Q2_K and Q3_K share the 2-bit layout: byte l of half h holds element 128h + 32k + l at bits 2k.
inline void UnpackLow2(const uint8_t qs[kQK_K / 4], int8_t q[kQK_K]) {
  for (int h = 0; h < 2; ++h) {
    for (int k = 0; k < 4; ++k) {
      for (int l = 0; l < 32; ++l) {
        q[128 * h + 32 * k + l] = static_cast<int8_t>((qs[32 * h + l] >> (2 * k)) & 3);
      }
    }
  }
}

// Q4_K / Q5_K nibbles: chunk c byte l holds element 64c + l (low) and 64c + 32 + l (high).
inline void UnpackNibblesK(const uint8_t qs[kQK_K / 2], int8_t q[kQK_K]) {
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      q[64 * c + l] = static_cast<int8_t>(qs[32 * c + l] & 0xF);
      q[64 * c + 32 + l] = static_cast<int8_t>(qs[32 * c + l] >> 4);
    }
  }
}

// d_a * d_w * sumi - d_a * dmin_w * summ, the per-super-block float step shared by all kernels.
inline float Combine(const BlockQ8_K& a, float d, float dmin, int sumi, int summ) {
  return a.d * d * static_cast<float>(sumi) - a.d * dmin * static_cast<float>(summ);
}

}  // namespace

float VecDotQ2_KRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ2_K*>(w);
  const auto* ab = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t q[kQK_K];
    UnpackLow2(wb[b].qs, q);
    int sumi = 0, summ = 0;
    for (int s = 0; s < 16; ++s) {
      sumi += (wb[b].scales[s] & 0xF) * DotRange(q, ab[b].qs, 16 * s, 16);
      summ += (wb[b].scales[s] >> 4) * ab[b].bsums[s];
    }
    sum += Combine(ab[b], F16ToF32(wb[b].d), F16ToF32(wb[b].dmin), sumi, summ);
  }
  return sum;
}

float VecDotQ3_KRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ3_K*>(w);
  const auto* ab = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t q[kQK_K];
    UnpackLow2(wb[b].qs, q);
    // A clear high bit subtracts 4 (q in -4..3); element 128h + 32k + l uses bit 4h + k.
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      if (((wb[b].hmask[l] >> (4 * h + k)) & 1) == 0) q[e] = static_cast<int8_t>(q[e] - 4);
    }
    uint8_t sc[16];
    UnpackScalesQ3K(wb[b].scales, sc);
    int sumi = 0;
    for (int s = 0; s < 16; ++s) sumi += (sc[s] - 32) * DotRange(q, ab[b].qs, 16 * s, 16);
    sum += Combine(ab[b], F16ToF32(wb[b].d), 0.0f, sumi, 0);
  }
  return sum;
}

// |sumi| <= 8 * 63 * 32 * 15 * 128 < 2^25; summ likewise.
float VecDotQ4_KRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ4_K*>(w);
  const auto* ab = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t q[kQK_K];
    UnpackNibblesK(wb[b].qs, q);
    int sumi = 0, summ = 0;
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      UnpackScaleMinK4(wb[b].scales, s, &sc, &m);
      sumi += sc * DotRange(q, ab[b].qs, 32 * s, 32);
      summ += m * (ab[b].bsums[2 * s] + ab[b].bsums[2 * s + 1]);
    }
    sum += Combine(ab[b], F16ToF32(wb[b].d), F16ToF32(wb[b].dmin), sumi, summ);
  }
  return sum;
}

float VecDotQ5_KRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ5_K*>(w);
  const auto* ab = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t q[kQK_K];
    UnpackNibblesK(wb[b].qs, q);
    // Fifth bit of element 32s + l is bit s of qh[l].
    for (int e = 0; e < kQK_K; ++e) {
      q[e] = static_cast<int8_t>(q[e] | ((wb[b].qh[e % 32] >> (e / 32)) & 1) << 4);
    }
    int sumi = 0, summ = 0;
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      UnpackScaleMinK4(wb[b].scales, s, &sc, &m);
      sumi += sc * DotRange(q, ab[b].qs, 32 * s, 32);
      summ += m * (ab[b].bsums[2 * s] + ab[b].bsums[2 * s + 1]);
    }
    sum += Combine(ab[b], F16ToF32(wb[b].d), F16ToF32(wb[b].dmin), sumi, summ);
  }
  return sum;
}

// |sumi| <= 16 * 128 * 16 * 32 * 128 = 2^27.
float VecDotQ6_KRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockQ6_K*>(w);
  const auto* ab = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t q[kQK_K];
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = wb[b].ql + 64 * h;
      const uint8_t* qh = wb[b].qh + 32 * h;
      int8_t* qq = q + 128 * h;
      for (int l = 0; l < 32; ++l) {
        qq[l] = static_cast<int8_t>(((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32);
        qq[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32);
        qq[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
        qq[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
      }
    }
    int sumi = 0;
    for (int s = 0; s < 16; ++s) sumi += wb[b].scales[s] * DotRange(q, ab[b].qs, 16 * s, 16);
    sum += Combine(ab[b], F16ToF32(wb[b].d), 0.0f, sumi, 0);
  }
  return sum;
}

float VecDotIQ4_XSRef(int64_t n, const void* w, const void* a) {
  const auto* wb = static_cast<const BlockIQ4_XS*>(w);
  const auto* ab = static_cast<const BlockQ8_K*>(a);
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int sumi = 0;
    for (int s = 0; s < 8; ++s) {
      const int ls =
          ((wb[b].scales_l[s / 2] >> (4 * (s % 2))) & 0xF) | ((wb[b].scales_h >> (2 * s)) & 3) << 4;
      const uint8_t* qs = wb[b].qs + 16 * s;
      const int8_t* as = ab[b].qs + 32 * s;
      int dot = 0;
      for (int j = 0; j < 16; ++j) {
        dot += kIq4nlValues[qs[j] & 0xF] * as[j] + kIq4nlValues[qs[j] >> 4] * as[j + 16];
      }
      sumi += (ls - 32) * dot;
    }
    sum += Combine(ab[b], F16ToF32(wb[b].d), 0.0f, sumi, 0);
  }
  return sum;
}

}  // namespace hearth
