// Reference quantizers for the K-quant weight formats and IQ4_XS. Each super-block is done in
// three steps: fit a float scale (and minimum) per sub-block (quant_search.h), quantize those to
// the format's 4/6/8-bit sub-block scales against one f16 super-block scale, then re-pick every
// code against the scale the reader will reconstruct, so rounding of the scales costs nothing
// extra. Valid blocks, not byte-identical to llama-quantize (which searches harder).
#include <cstring>

#include "base/fp16.h"
#include "quant/block_formats.h"
#include "quant/k_scales.h"
#include "quant/quant_ref.h"
#include "quant/quant_search.h"

namespace hearth {
namespace {

int Clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

float MaxOf(const float* v, int n) {
  float m = 0.0f;
  for (int i = 0; i < n; ++i) m = std::fmax(m, v[i]);
  return m;
}

float SignedExtremeOf(const float* v, int n) {
  float m = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(v[i]) > std::fabs(m)) m = v[i];
  }
  return m;
}

// Unsigned sub-block factors (Q2_K, Q4_K, Q5_K): levels in [0, max_level] against f16 `super`.
// Returns the f16 super-block scale; the largest factor lands on max_level.
uint16_t QuantizeFactors(const float* factors, int n, int max_level, uint8_t* levels) {
  const float max = MaxOf(factors, n);
  if (max == 0.0f) {
    std::memset(levels, 0, static_cast<size_t>(n));
    return 0;
  }
  const float inv = static_cast<float>(max_level) / max;
  for (int i = 0; i < n; ++i) {
    levels[i] = static_cast<uint8_t>(Clamp(NearestInt(inv * factors[i]), 0, max_level));
  }
  return F32ToF16(max / static_cast<float>(max_level));
}

// Code in [0, nmax] for x ~= dl * q - ml with the reconstructed factors.
int AffineCodeK(float x, float dl, float ml, int nmax) {
  if (dl == 0.0f) return 0;
  return Clamp(NearestInt((x + ml) / dl), 0, nmax);
}

// Sub-block scale/min search for the 6-bit-scale formats with 8 sub-blocks of 32.
void FitK4Scales(const float* x, int nmax, uint16_t* d, uint16_t* dmin, uint8_t sc[8],
                 uint8_t m[8]) {
  float scales[8], mins[8];
  uint8_t codes[32];
  for (int s = 0; s < 8; ++s) FitAffine(x + 32 * s, 32, nmax, codes, &scales[s], &mins[s]);
  *d = QuantizeFactors(scales, 8, 63, sc);
  *dmin = QuantizeFactors(mins, 8, 63, m);
}

}  // namespace

void QuantizeRowQ2_K(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ2_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockQ2_K& blk = blocks[b];
    float scales[16], mins[16];
    uint8_t codes[16], sc[16], m[16];
    for (int s = 0; s < 16; ++s) FitAffine(src + 16 * s, 16, 3, codes, &scales[s], &mins[s]);
    blk.d = QuantizeFactors(scales, 16, 15, sc);
    blk.dmin = QuantizeFactors(mins, 16, 15, m);
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    std::memset(blk.qs, 0, sizeof(blk.qs));
    for (int s = 0; s < 16; ++s) {
      blk.scales[s] = static_cast<uint8_t>(sc[s] | m[s] << 4);
      const float dl = d * static_cast<float>(sc[s]);
      const float ml = dmin * static_cast<float>(m[s]);
      for (int i = 0; i < 16; ++i) {
        // Element e = 128 * half + 32 * pair + l sits at bit pair `pair` of qs[32 * half + l].
        const int e = 16 * s + i;
        const int q = AffineCodeK(src[e], dl, ml, 3);
        blk.qs[32 * (e / 128) + e % 32] |= static_cast<uint8_t>(q << (2 * ((e % 128) / 32)));
      }
    }
  }
}

void QuantizeRowQ3_K(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ3_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockQ3_K& blk = blocks[b];
    std::memset(&blk, 0, sizeof(blk));
    float scales[16];
    int8_t codes[16];
    for (int s = 0; s < 16; ++s) scales[s] = FitSymmetric(src + 16 * s, 16, -4, 3, codes);
    const float max = SignedExtremeOf(scales, 16);
    uint8_t biased[16];
    // Signed 6-bit scales; the extreme goes to -32, the end with the extra level.
    const float iscale = max != 0.0f ? -32.0f / max : 0.0f;
    for (int s = 0; s < 16; ++s) {
      biased[s] = static_cast<uint8_t>(Clamp(NearestInt(iscale * scales[s]), -32, 31) + 32);
    }
    PackScalesQ3K(biased, blk.scales);
    blk.d = F32ToF16(max != 0.0f ? 1.0f / iscale : 0.0f);
    const float d = F16ToF32(blk.d);
    for (int e = 0; e < kQK_K; ++e) {
      const float dl = d * static_cast<float>(biased[e / 16] - 32);
      const int q = dl != 0.0f ? Clamp(NearestInt(src[e] / dl), -4, 3) : 0;
      const int stored = q + 4;  // 0..7: bit 2 is the hmask bit, set means "no -4"
      const int l = e % 32;
      const int pair = (e % 128) / 32;
      blk.qs[32 * (e / 128) + l] |= static_cast<uint8_t>((stored & 3) << (2 * pair));
      if (stored & 4) blk.hmask[l] |= static_cast<uint8_t>(1 << (4 * (e / 128) + pair));
    }
  }
}

void QuantizeRowQ4_K(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockQ4_K& blk = blocks[b];
    uint8_t sc[8], m[8];
    FitK4Scales(src, 15, &blk.d, &blk.dmin, sc, m);
    PackScaleMinK4(sc, m, blk.scales);
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    std::memset(blk.qs, 0, sizeof(blk.qs));
    for (int e = 0; e < kQK_K; ++e) {
      const int s = e / 32;
      const int q = AffineCodeK(src[e], d * static_cast<float>(sc[s]),
                                dmin * static_cast<float>(m[s]), 15);
      // Sub-block pair (2c, 2c + 1) shares 32 bytes: low nibbles, then high nibbles.
      blk.qs[32 * (s / 2) + e % 32] |= static_cast<uint8_t>(q << (4 * (s % 2)));
    }
  }
}

void QuantizeRowQ5_K(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ5_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockQ5_K& blk = blocks[b];
    uint8_t sc[8], m[8];
    FitK4Scales(src, 31, &blk.d, &blk.dmin, sc, m);
    PackScaleMinK4(sc, m, blk.scales);
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    std::memset(blk.qs, 0, sizeof(blk.qs));
    std::memset(blk.qh, 0, sizeof(blk.qh));
    for (int e = 0; e < kQK_K; ++e) {
      const int s = e / 32;
      const int q = AffineCodeK(src[e], d * static_cast<float>(sc[s]),
                                dmin * static_cast<float>(m[s]), 31);
      blk.qs[32 * (s / 2) + e % 32] |= static_cast<uint8_t>((q & 0xF) << (4 * (s % 2)));
      blk.qh[e % 32] |= static_cast<uint8_t>((q >> 4) << s);
    }
  }
}

void QuantizeRowQ6_K(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ6_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockQ6_K& blk = blocks[b];
    std::memset(&blk, 0, sizeof(blk));
    float scales[16];
    int8_t codes[16];
    for (int s = 0; s < 16; ++s) scales[s] = FitSymmetric(src + 16 * s, 16, -32, 31, codes);
    const float max = SignedExtremeOf(scales, 16);
    if (max == 0.0f) continue;
    // int8 sub-block scales; the extreme goes to -128 so the full signed range is used.
    const float iscale = -128.0f / max;
    for (int s = 0; s < 16; ++s) {
      blk.scales[s] = static_cast<int8_t>(Clamp(NearestInt(iscale * scales[s]), -128, 127));
    }
    blk.d = F32ToF16(1.0f / iscale);
    const float d = F16ToF32(blk.d);
    for (int e = 0; e < kQK_K; ++e) {
      const float dl = d * static_cast<float>(blk.scales[e / 16]);
      const int q = (dl != 0.0f ? Clamp(NearestInt(src[e] / dl), -32, 31) : 0) + 32;
      // Quarter k of a 128-element half: low nibble in ql[l + 32 * (k & 1)] (high nibble when
      // k >= 2), top two bits at bit 2k of qh[l].
      const int half = e / 128, k = (e % 128) / 32, l = e % 32;
      blk.ql[64 * half + l + 32 * (k & 1)] |= static_cast<uint8_t>((q & 0xF) << (4 * (k >> 1)));
      blk.qh[32 * half + l] |= static_cast<uint8_t>((q >> 4) << (2 * k));
    }
  }
}

void QuantizeRowIQ4_XS(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockIQ4_XS*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockIQ4_XS& blk = blocks[b];
    std::memset(&blk, 0, sizeof(blk));
    float scales[8];
    uint8_t codes[32];
    for (int s = 0; s < 8; ++s) scales[s] = FitCodebookScale(src + 32 * s, 32, codes);
    const float max = SignedExtremeOf(scales, 8);
    // Signed 6-bit sub-block scales stored +32; the extreme goes to -32.
    blk.d = F32ToF16(-max / 32.0f);
    const float d = F16ToF32(blk.d);
    const float inv = d != 0.0f ? 1.0f / d : 0.0f;
    for (int s = 0; s < 8; ++s) {
      const int l = Clamp(NearestInt(inv * scales[s]), -32, 31);
      const int ls = l + 32;
      blk.scales_l[s / 2] |= static_cast<uint8_t>((ls & 0xF) << (4 * (s % 2)));
      blk.scales_h |= static_cast<uint16_t>((ls >> 4) << (2 * s));
      AssignCodebook(src + 32 * s, 32, d * static_cast<float>(l), codes);
      for (int j = 0; j < 16; ++j) {
        blk.qs[16 * s + j] = static_cast<uint8_t>(codes[j] | codes[j + 16] << 4);
      }
    }
  }
}

}  // namespace hearth
