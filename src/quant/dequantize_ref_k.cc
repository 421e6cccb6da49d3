// Scalar dequantizers for the 256-element super-block formats (K-quants, Q8_K, IQ4_XS).
// Bit-exact with ggml's reference: the sub-block factor is formed first in f32 (d * sc, and
// dmin * m), then multiplied by the integer code, then the min subtracted; that order matters
// because d * sc * q rounds twice.
#include "base/fp16.h"
#include "quant/block_formats.h"
#include "quant/k_scales.h"
#include "quant/quant_ref.h"

namespace hearth {

void DequantizeRowQ2_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ2_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ2_K& blk = blocks[b];
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    int sub = 0;
    // Two halves of 128 elements; each reads 32 bytes of qs four times at rising bit pairs.
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = blk.qs + 32 * half;
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part, ++sub) {
          const float dl = d * static_cast<float>(blk.scales[sub] & 0xF);
          const float ml = dmin * static_cast<float>(blk.scales[sub] >> 4);
          for (int l = 0; l < 16; ++l) {
            *dst++ = dl * static_cast<float>((q[16 * part + l] >> shift) & 3) - ml;
          }
        }
      }
    }
  }
}

void DequantizeRowQ3_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ3_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ3_K& blk = blocks[b];
    const float d = F16ToF32(blk.d);
    uint8_t scales[16];
    UnpackScalesQ3K(blk.scales, scales);
    int sub = 0;
    int hbit = 0;  // runs 0..7 across both halves
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = blk.qs + 32 * half;
      for (int shift = 0; shift < 8; shift += 2, ++hbit) {
        for (int part = 0; part < 2; ++part, ++sub) {
          const float dl = d * static_cast<float>(scales[sub] - 32);
          for (int l = 16 * part; l < 16 * part + 16; ++l) {
            // A clear high bit means the 2-bit code is offset by -4.
            const int high = (blk.hmask[l] >> hbit) & 1;
            const int v = ((q[l] >> shift) & 3) - (high ? 0 : 4);
            *dst++ = dl * static_cast<float>(v);
          }
        }
      }
    }
  }
}

void DequantizeRowQ4_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ4_K& blk = blocks[b];
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    for (int chunk = 0; chunk < 4; ++chunk) {
      const uint8_t* q = blk.qs + 32 * chunk;
      for (int nib = 0; nib < 2; ++nib) {
        uint8_t sc, m;
        UnpackScaleMinK4(blk.scales, 2 * chunk + nib, &sc, &m);
        const float dl = d * static_cast<float>(sc);
        const float ml = dmin * static_cast<float>(m);
        for (int l = 0; l < 32; ++l) {
          *dst++ = dl * static_cast<float>((q[l] >> (4 * nib)) & 0xF) - ml;
        }
      }
    }
  }
}

void DequantizeRowQ5_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ5_K& blk = blocks[b];
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    for (int chunk = 0; chunk < 4; ++chunk) {
      const uint8_t* q = blk.qs + 32 * chunk;
      for (int nib = 0; nib < 2; ++nib) {
        const int sub = 2 * chunk + nib;
        uint8_t sc, m;
        UnpackScaleMinK4(blk.scales, sub, &sc, &m);
        const float dl = d * static_cast<float>(sc);
        const float ml = dmin * static_cast<float>(m);
        for (int l = 0; l < 32; ++l) {
          const int v = ((q[l] >> (4 * nib)) & 0xF) | ((blk.qh[l] >> sub) & 1) << 4;
          *dst++ = dl * static_cast<float>(v) - ml;
        }
      }
    }
  }
}

void DequantizeRowQ6_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b, dst += kQK_K) {
    const BlockQ6_K& blk = blocks[b];
    const float d = F16ToF32(blk.d);
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = blk.ql + 64 * half;
      const uint8_t* qh = blk.qh + 32 * half;
      float* y = dst + 128 * half;
      for (int l = 0; l < 32; ++l) {
        // Quarter k of the half takes its low nibble from ql[l] or ql[l + 32] (k even / odd
        // picks the byte, k >= 2 the high nibble) and its top two bits from qh[l] at 2k.
        for (int k = 0; k < 4; ++k) {
          const int low4 = (ql[l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
          const int high2 = (qh[l] >> (2 * k)) & 3;
          const int e = 32 * k + l;
          const float dl = d * static_cast<float>(blk.scales[8 * half + e / 16]);
          y[e] = dl * static_cast<float>((low4 | high2 << 4) - 32);
        }
      }
    }
  }
}

void DequantizeRowQ8_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b, dst += kQK_K) {
    for (int j = 0; j < kQK_K; ++j) dst[j] = blocks[b].d * static_cast<float>(blocks[b].qs[j]);
  }
}

void DequantizeRowIQ4_XS(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockIQ4_XS& blk = blocks[b];
    const float d = F16ToF32(blk.d);
    for (int sub = 0; sub < kQK_K / 32; ++sub, dst += 32) {
      const int ls = ((blk.scales_l[sub / 2] >> (4 * (sub % 2))) & 0xF) |
                     ((blk.scales_h >> (2 * sub)) & 3) << 4;
      const float dl = d * static_cast<float>(ls - 32);
      const uint8_t* q = blk.qs + 16 * sub;
      for (int j = 0; j < 16; ++j) {
        dst[j] = dl * static_cast<float>(kIq4nlValues[q[j] & 0xF]);
        dst[j + 16] = dl * static_cast<float>(kIq4nlValues[q[j] >> 4]);
      }
    }
  }
}

}  // namespace hearth
