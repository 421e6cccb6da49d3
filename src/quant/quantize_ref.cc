// Scalar quantizers for plain floats, the 32-element block formats, IQ4_NL and Q8_K.
// Q8_0 and Q8_K quantize activations at run time, so their rounding follows ggml's reference
// quantizers exactly (a dot product against them must see the same integers llama.cpp sees).
// The Q4/Q5 legacy formats follow ggml's reference formulas too (cheap and well understood).
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "quant/block_formats.h"
#include "quant/quant_ref.h"
#include "quant/quant_search.h"

namespace hearth {
namespace {

// Element with the largest magnitude, keeping its sign (first one wins ties).
float SignedAbsMax(const float* x, int n) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void MinMax(const float* x, int n, float* min, float* max) {
  *min = x[0];
  *max = x[0];
  for (int j = 1; j < n; ++j) {
    if (x[j] < *min) *min = x[j];
    if (x[j] > *max) *max = x[j];
  }
}

// Symmetric 4/5-bit code of one value: the scale maps the signed extreme onto code 0, and adding
// `offset_half` (offset + 0.5, one f32 add as in ggml) then truncating rounds to nearest; codes
// clamp at the top end.
int SymmetricCode(float x, float inv_scale, float offset_half, int max_code) {
  const int q = static_cast<int8_t>(x * inv_scale + offset_half);
  return q < max_code ? q : max_code;
}

int AffineCode(float x, float min, float inv_scale, int max_code) {
  const int q = static_cast<int8_t>((x - min) * inv_scale + 0.5f);
  return q < max_code ? q : max_code;
}

void StoreHighBits(uint32_t bits, uint8_t qh[4]) {
  for (int i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(bits >> (8 * i));
}

}  // namespace

void QuantizeRowF32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void QuantizeRowF16(const float* src, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = F32ToF16(src[i]);
}

void QuantizeRowBF16(const float* src, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = F32ToBf16(src[i]);
}

void QuantizeRowQ4_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    // Negative scale: the signed extreme lands on code 0 (value -8), using the full range.
    const float d = SignedAbsMax(src, kQK) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = F32ToF16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = SymmetricCode(src[j], id, 8.5f, 15);
      const int hi = SymmetricCode(src[j + kQK / 2], id, 8.5f, 15);
      blocks[b].qs[j] = static_cast<uint8_t>(lo | hi << 4);
    }
  }
}

void QuantizeRowQ4_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_1*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    float min, max;
    MinMax(src, kQK, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = F32ToF16(d);
    blocks[b].m = F32ToF16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = AffineCode(src[j], min, id, 15);
      const int hi = AffineCode(src[j + kQK / 2], min, id, 15);
      blocks[b].qs[j] = static_cast<uint8_t>(lo | hi << 4);
    }
  }
}

void QuantizeRowQ5_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ5_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    const float d = SignedAbsMax(src, kQK) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = F32ToF16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = SymmetricCode(src[j], id, 16.5f, 31);
      const int hi = SymmetricCode(src[j + kQK / 2], id, 16.5f, 31);
      blocks[b].qs[j] = static_cast<uint8_t>((lo & 0xF) | (hi & 0xF) << 4);
      qh |= static_cast<uint32_t>(lo >> 4) << j | static_cast<uint32_t>(hi >> 4) << (j + 16);
    }
    StoreHighBits(qh, blocks[b].qh);
  }
}

void QuantizeRowQ5_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ5_1*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    float min, max;
    MinMax(src, kQK, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = F32ToF16(d);
    blocks[b].m = F32ToF16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = AffineCode(src[j], min, id, 31);
      const int hi = AffineCode(src[j + kQK / 2], min, id, 31);
      blocks[b].qs[j] = static_cast<uint8_t>((lo & 0xF) | (hi & 0xF) << 4);
      qh |= static_cast<uint32_t>(lo >> 4) << j | static_cast<uint32_t>(hi >> 4) << (j + 16);
    }
    StoreHighBits(qh, blocks[b].qh);
  }
}

void QuantizeRowQ8_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(src[j]));
    // ggml: multiply by the f32 reciprocal of the unrounded d (not by 1/f16(d)), then roundf,
    // which rounds halves away from zero. |x * id| <= 127 so no clamp is needed.
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) blocks[b].qs[j] = static_cast<int8_t>(std::round(src[j] * id));
  }
}

void QuantizeRowQ8_K(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    BlockQ8_K& blk = blocks[b];
    const float max = SignedAbsMax(src, kQK_K);
    if (max == 0.0f) {
      std::memset(&blk, 0, sizeof(blk));
      continue;
    }
    // ggml's Q8_K differs from Q8_0: the signed extreme maps to -127 (so the opposite end may
    // reach -128 before the clamp at 127), rounding is to nearest even, and d = 1 / iscale.
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQK_K; ++j) {
      const int v = NearestInt(iscale * src[j]);
      blk.qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += blk.qs[16 * g + j];
      blk.bsums[g] = static_cast<int16_t>(sum);
    }
    blk.d = 1.0f / iscale;
  }
}

void QuantizeRowIQ4_NL(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockIQ4_NL*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    uint8_t codes[kQK];
    const float d = FitCodebookScale(src, kQK, codes);
    blocks[b].d = F32ToF16(d);
    // Re-pick codes against the scale the reader will actually see (f16-rounded).
    AssignCodebook(src, kQK, F16ToF32(blocks[b].d), codes);
    for (int j = 0; j < kQK / 2; ++j) {
      blocks[b].qs[j] = static_cast<uint8_t>(codes[j] | codes[j + kQK / 2] << 4);
    }
  }
}

}  // namespace hearth
