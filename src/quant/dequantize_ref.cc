// Scalar dequantizers for plain floats, the 32-element block formats and IQ4_NL. Each is
// bit-exact with ggml's reference: integer codes are converted to float once and combined with
// the f32 scale in the same order (d * q, then + m), so no extra rounding step differs.
#include <cstring>

#include "base/fp16.h"
#include "quant/block_formats.h"
#include "quant/quant_ref.h"

namespace hearth {
namespace {

// Little-endian read of Q5's 32 high bits (the bytes carry no alignment guarantee).
uint32_t LoadHighBits(const uint8_t qh[4]) {
  return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
         static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
}

}  // namespace

void DequantizeRowF32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void DequantizeRowF16(const void* src, float* dst, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = F16ToF32(h[i]);
}

void DequantizeRowBF16(const void* src, float* dst, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = Bf16ToF32(h[i]);
}

void DequantizeRowQ4_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(blocks[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = d * static_cast<float>((blocks[b].qs[j] & 0xF) - 8);
      dst[j + kQK / 2] = d * static_cast<float>((blocks[b].qs[j] >> 4) - 8);
    }
  }
}

void DequantizeRowQ4_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_1*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(blocks[b].d);
    const float m = F16ToF32(blocks[b].m);
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = d * static_cast<float>(blocks[b].qs[j] & 0xF) + m;
      dst[j + kQK / 2] = d * static_cast<float>(blocks[b].qs[j] >> 4) + m;
    }
  }
}

void DequantizeRowQ5_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(blocks[b].d);
    const uint32_t qh = LoadHighBits(blocks[b].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (blocks[b].qs[j] & 0xF) | static_cast<int>((qh >> j) & 1) << 4;
      const int hi = (blocks[b].qs[j] >> 4) | static_cast<int>((qh >> (j + 16)) & 1) << 4;
      dst[j] = d * static_cast<float>(lo - 16);
      dst[j + kQK / 2] = d * static_cast<float>(hi - 16);
    }
  }
}

void DequantizeRowQ5_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_1*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(blocks[b].d);
    const float m = F16ToF32(blocks[b].m);
    const uint32_t qh = LoadHighBits(blocks[b].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (blocks[b].qs[j] & 0xF) | static_cast<int>((qh >> j) & 1) << 4;
      const int hi = (blocks[b].qs[j] >> 4) | static_cast<int>((qh >> (j + 16)) & 1) << 4;
      dst[j] = d * static_cast<float>(lo) + m;
      dst[j + kQK / 2] = d * static_cast<float>(hi) + m;
    }
  }
}

void DequantizeRowQ8_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(blocks[b].d);
    for (int j = 0; j < kQK; ++j) dst[j] = d * static_cast<float>(blocks[b].qs[j]);
  }
}

void DequantizeRowIQ4_NL(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = F16ToF32(blocks[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = d * static_cast<float>(kIq4nlValues[blocks[b].qs[j] & 0xF]);
      dst[j + kQK / 2] = d * static_cast<float>(kIq4nlValues[blocks[b].qs[j] >> 4]);
    }
  }
}

}  // namespace hearth
