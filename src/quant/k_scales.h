// Packing of the 12-byte sub-block scale fields of Q3_K, Q4_K and Q5_K (layouts described in
// block_formats.h). Shared by the reference converters and by kernels that decode scales once
// per super-block.
#pragma once

#include <cstdint>

#include "quant/block_formats.h"

namespace hearth {

// Q4_K / Q5_K: 6-bit scale and 6-bit min of sub-block s (0..7).
inline void UnpackScaleMinK4(const uint8_t scales[kKScaleBytes], int s, uint8_t* sc, uint8_t* m) {
  if (s < 4) {
    *sc = scales[s] & 63;
    *m = scales[s + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((scales[s + 4] >> 4) | ((scales[s] >> 6) << 4));
  }
}

// Inverse of UnpackScaleMinK4 for all eight sub-blocks; sc and m must be < 64.
inline void PackScaleMinK4(const uint8_t sc[8], const uint8_t m[8], uint8_t scales[kKScaleBytes]) {
  for (int s = 0; s < 4; ++s) {
    // Bits 6-7 of the first eight bytes carry the top bits of sub-blocks 4..7.
    scales[s] = static_cast<uint8_t>((sc[s] & 63) | ((sc[s + 4] >> 4) << 6));
    scales[s + 4] = static_cast<uint8_t>((m[s] & 63) | ((m[s + 4] >> 4) << 6));
    scales[s + 8] = static_cast<uint8_t>((sc[s + 4] & 0xF) | ((m[s + 4] & 0xF) << 4));
  }
}

// Q3_K: the sixteen biased 6-bit scales (0..63; the signed scale is value - 32).
inline void UnpackScalesQ3K(const uint8_t scales[kKScaleBytes], uint8_t out[16]) {
  for (int s = 0; s < 16; ++s) {
    const int low4 = s < 8 ? scales[s] & 0xF : scales[s - 8] >> 4;
    const int high2 = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
    out[s] = static_cast<uint8_t>(low4 | high2 << 4);
  }
}

// Inverse of UnpackScalesQ3K; values must be < 64.
inline void PackScalesQ3K(const uint8_t in[16], uint8_t scales[kKScaleBytes]) {
  for (int i = 0; i < kKScaleBytes; ++i) scales[i] = 0;
  for (int s = 0; s < 16; ++s) {
    const int low4 = in[s] & 0xF;
    scales[s % 8] |= static_cast<uint8_t>(s < 8 ? low4 : low4 << 4);
    scales[8 + s % 4] |= static_cast<uint8_t>((in[s] >> 4) << (2 * (s / 4)));
  }
}

}  // namespace hearth
