// On-disk block layouts of the GGUF quantized types hearth reads, byte-for-byte the ggml layout
// (field names and order as in ggml-common.h, so a block pointer into an mmapped tensor can be
// read directly). Conversion code lives in quantize_ref.cc / dequantize_ref*.cc, not here.
//
// Conventions for every block below:
//  - f16 scales are stored as raw IEEE half bits (uint16_t); decode with F16ToF32 (base/fp16.h).
//  - Blocks are plain structs whose fields fall on natural alignment with no padding (checked by
//    the static_asserts), so the attribute `packed` is not needed and taking a field's address
//    stays well defined. Rows of blocks inside GGUF data only need alignof(Block) (2 or 4).
//  - "element j" is the j-th float of the block; formulas give the dequantized value x[j].
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace hearth {

// Elements per block of the "legacy" quants (Q4_0 ... Q8_1, IQ4_NL).
inline constexpr int kQK = 32;
// Elements per super-block of the K-quants and IQ4_XS.
inline constexpr int kQK_K = 256;
// Bytes of the 6-bit scale/min packing shared by Q4_K and Q5_K (and the 6-bit scales of Q3_K).
inline constexpr int kKScaleBytes = 12;

// Non-linear 4-bit code book of IQ4_NL / IQ4_XS: x = d * kIq4nlValues[q]. The spacing is denser
// near zero, matching the bell-shaped distribution of trained weights.
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// Q4_0: 32 weights, 4.5 bits/weight. Symmetric 4-bit with an implicit offset of 8.
//   qs[j] low nibble is element j, high nibble is element j + 16 (j < 16).
//   x[j] = d * (q[j] - 8)
struct BlockQ4_0 {
  uint16_t d;           // f16 scale
  uint8_t qs[kQK / 2];  // nibbles
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block is 18 bytes");

// Q4_1: 32 weights, 5.0 bits/weight. Asymmetric 4-bit: scale and minimum.
//   Nibble order as Q4_0.  x[j] = d * q[j] + m
struct BlockQ4_1 {
  uint16_t d;           // f16 scale
  uint16_t m;           // f16 minimum (offset added after scaling)
  uint8_t qs[kQK / 2];  // nibbles
};
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block is 20 bytes");

// Q5_0: 32 weights, 5.5 bits/weight. Low 4 bits as Q4_0; the fifth bit of element j is bit j of
//   the little-endian uint32 in qh.  q[j] = nibble | (bit << 4);  x[j] = d * (q[j] - 16)
struct BlockQ5_0 {
  uint16_t d;           // f16 scale
  uint8_t qh[4];        // 32 high bits, little-endian uint32 (byte array: no alignment demand)
  uint8_t qs[kQK / 2];  // low nibbles
};
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block is 22 bytes");

// Q5_1: 32 weights, 6.0 bits/weight. Bits as Q5_0, asymmetric:  x[j] = d * q[j] + m
struct BlockQ5_1 {
  uint16_t d;           // f16 scale
  uint16_t m;           // f16 minimum
  uint8_t qh[4];        // 32 high bits, little-endian uint32
  uint8_t qs[kQK / 2];  // low nibbles
};
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block is 24 bytes");

// Q8_0: 32 weights, 8.5 bits/weight. x[j] = d * qs[j].  Quantizer: d = amax / 127,
//   q = roundf(x / d) (round half away from zero). Also the activation format for Q4_0/Q8_0 dots.
struct BlockQ8_0 {
  uint16_t d;       // f16 scale
  int8_t qs[kQK];   // signed weights
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block is 34 bytes");

// Q8_1: 32 weights, 9.0 bits/weight. x[j] = d * qs[j]; s = d * sum(qs) (stored precomputed so
//   dots against Q4_1/Q5_1 can apply the minimum without a second pass). Activations only.
struct BlockQ8_1 {
  uint16_t d;       // f16 scale
  uint16_t s;       // f16 d * sum(qs[j])
  int8_t qs[kQK];   // signed weights
};
static_assert(sizeof(BlockQ8_1) == 36, "Q8_1 block is 36 bytes");

// Q2_K: 256 weights in 16 sub-blocks of 16, 2.625 bits/weight.
//   scales[s]: low nibble = scale sc, high nibble = minimum m, of sub-block s.
//   qs: two 128-element halves of 32 bytes; in half h, byte l holds at bit pair 2*k the element
//   128*h + 32*k + l (k = 0..3).
//   x = d * sc * q - dmin * m   (q in 0..3)
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];  // 4-bit scale | 4-bit min << 4
  uint8_t qs[kQK_K / 4];       // 2-bit quants
  uint16_t d;                  // f16 super-block scale for the scales
  uint16_t dmin;               // f16 super-block scale for the mins
};
static_assert(sizeof(BlockQ2_K) == 84, "Q2_K block is 84 bytes");

// Q3_K: 256 weights in 16 sub-blocks of 16, 3.4375 bits/weight.
//   Low two bits laid out as Q2_K's qs. High bit of element 128*h + 32*k + l is bit (4*h + k)
//   of hmask[l]; a CLEAR high bit subtracts 4: q = low2 - (hbit ? 0 : 4), in -4..3.
//   scales: 16 6-bit scales stored with a +32 bias, packed in 12 bytes. Sub-block s:
//   low4 = s < 8 ? scales[s] & 0xF : scales[s - 8] >> 4;  high2 = (scales[8 + s % 4] >> 2*(s / 4)) & 3
//   sc = low4 | high2 << 4
//   x = d * (sc - 32) * q
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];     // high bits
  uint8_t qs[kQK_K / 4];        // low 2 bits
  uint8_t scales[kKScaleBytes]; // 6-bit scales
  uint16_t d;                   // f16 super-block scale
};
static_assert(sizeof(BlockQ3_K) == 110, "Q3_K block is 110 bytes");

// Q4_K: 256 weights in 8 sub-blocks of 32, 4.5 bits/weight.
//   scales: 8 6-bit scales sc and 8 6-bit mins m in 12 bytes. For sub-block s < 4:
//   sc = scales[s] & 63, m = scales[s + 4] & 63. For s >= 4:
//   sc = (scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4),
//   m  = (scales[s + 4] >> 4)  | ((scales[s] >> 6) << 4).
//   qs: 4 chunks of 32 bytes; chunk c byte l: low nibble = element 64c + l, high = 64c + 32 + l.
//   x = d * sc * q - dmin * m   (q in 0..15)
struct BlockQ4_K {
  uint16_t d;                    // f16 super-block scale for the scales
  uint16_t dmin;                 // f16 super-block scale for the mins
  uint8_t scales[kKScaleBytes];  // 6-bit scales and mins
  uint8_t qs[kQK_K / 2];         // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block is 144 bytes");

// Q5_K: 256 weights in 8 sub-blocks of 32, 5.5 bits/weight.
//   scales and qs as Q4_K; the fifth bit of element 32*s + l is bit s of qh[l].
//   x = d * sc * q - dmin * m   (q in 0..31)
struct BlockQ5_K {
  uint16_t d;                    // f16 super-block scale for the scales
  uint16_t dmin;                 // f16 super-block scale for the mins
  uint8_t scales[kKScaleBytes];  // 6-bit scales and mins
  uint8_t qh[kQK_K / 8];         // high bits
  uint8_t qs[kQK_K / 2];         // low nibbles
};
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block is 176 bytes");

// Q6_K: 256 weights in 16 sub-blocks of 16, 6.5625 bits/weight.
//   Two halves of 128 elements; in half h (ql += 64h, qh += 32h), for l < 32:
//     element 128h +      l: low4 = ql[l]      & 0xF, high2 = (qh[l] >> 0) & 3
//     element 128h + 32 + l: low4 = ql[l + 32] & 0xF, high2 = (qh[l] >> 2) & 3
//     element 128h + 64 + l: low4 = ql[l]      >> 4,  high2 = (qh[l] >> 4) & 3
//     element 128h + 96 + l: low4 = ql[l + 32] >> 4,  high2 = (qh[l] >> 6) & 3
//   q = low4 | high2 << 4;  x = d * scales[e / 16] * (q - 32)
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];       // low 4 bits
  uint8_t qh[kQK_K / 4];       // high 2 bits
  int8_t scales[kQK_K / 16];   // signed 8-bit sub-block scales
  uint16_t d;                  // f16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block is 210 bytes");

// Q8_K: 256 weights, 9.125 bits/weight. Activation format for K-quant dots.
//   x[j] = d * qs[j]  (d is f32, not f16); bsums[g] = sum of qs[16g .. 16g + 15] so dots can
//   apply K-quant minimums per 16-element group without re-summing.
struct BlockQ8_K {
  float d;                     // f32 scale
  int8_t qs[kQK_K];            // signed weights
  int16_t bsums[kQK_K / 16];   // group sums of qs
};
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block is 292 bytes");

// IQ4_NL: 32 weights, 4.5 bits/weight. Nibble order as Q4_0; x[j] = d * kIq4nlValues[q[j]].
struct BlockIQ4_NL {
  uint16_t d;           // f16 scale
  uint8_t qs[kQK / 2];  // code-book indices
};
static_assert(sizeof(BlockIQ4_NL) == 18, "IQ4_NL block is 18 bytes");

// IQ4_XS: 256 weights in 8 sub-blocks of 32, 4.25 bits/weight.
//   6-bit sub-block scale ls of sub-block s = ((scales_l[s / 2] >> 4 * (s % 2)) & 0xF)
//                                           | (((scales_h >> 2 * s) & 3) << 4)
//   qs: 16 bytes per sub-block, nibble order as Q4_0 within the sub-block.
//   x = d * (ls - 32) * kIq4nlValues[q]
struct BlockIQ4_XS {
  uint16_t d;                   // f16 super-block scale
  uint16_t scales_h;            // high 2 bits of the 8 scales
  uint8_t scales_l[kQK_K / 64]; // low 4 bits of the 8 scales
  uint8_t qs[kQK_K / 2];        // code-book indices
};
static_assert(sizeof(BlockIQ4_XS) == 136, "IQ4_XS block is 136 bytes");

// Each block must be readable straight from mmapped bytes.
static_assert(std::is_trivially_copyable_v<BlockQ4_K> && std::is_standard_layout_v<BlockQ4_K>);
static_assert(std::is_trivially_copyable_v<BlockQ8_K> && std::is_standard_layout_v<BlockQ8_K>);
static_assert(std::is_trivially_copyable_v<BlockIQ4_XS> && std::is_standard_layout_v<BlockIQ4_XS>);

}  // namespace hearth
