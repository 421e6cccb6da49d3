// Hand-built blocks with hand-computed expected floats. The byte values and expectations were
// worked out on paper from the format definitions (ggml-common.h layouts), so these tests do not
// share any unpacking code with the dequantizers. Scales are powers of two and products are
// small, so every expected value is exact in f32 and compared with ==.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "quant/block_formats.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

constexpr uint16_t kHalfQuarter = 0x3400;  // f16 0.25
constexpr uint16_t kHalfHalf = 0x3800;     // f16 0.5
constexpr uint16_t kHalfOne = 0x3C00;      // f16 1.0
constexpr uint16_t kHalfTwo = 0x4000;      // f16 2.0

std::vector<float> Dequantize(GgmlType type, const void* block, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  DequantizeRow(type, block, out.data(), n);
  return out;
}

// Expected = per-sub-block default (all codes zero) with a few elements overridden.
void ExpectValues(const std::vector<float>& got, const std::vector<float>& sub_default,
                  int sub_size, const std::map<int, float>& overrides) {
  for (int e = 0; e < static_cast<int>(got.size()); ++e) {
    const auto it = overrides.find(e);
    const float want = it != overrides.end() ? it->second : sub_default[e / sub_size];
    EXPECT_EQ(got[e], want) << "element " << e;
  }
}

TEST(DequantizeKnownTest, Q4_0) {
  BlockQ4_0 blk;
  blk.d = kHalfTwo;
  for (int j = 0; j < 16; ++j) blk.qs[j] = static_cast<uint8_t>(j | (15 - j) << 4);
  const std::vector<float> got = Dequantize(GgmlType::kQ4_0, &blk, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(got[j], 2.0f * static_cast<float>(j - 8)) << j;
    EXPECT_EQ(got[j + 16], 2.0f * static_cast<float>(7 - j)) << j;
  }
}

TEST(DequantizeKnownTest, Q8_0) {
  BlockQ8_0 blk;
  blk.d = kHalfHalf;
  for (int j = 0; j < 32; ++j) blk.qs[j] = static_cast<int8_t>(j - 16);
  blk.qs[31] = -128;
  const std::vector<float> got = Dequantize(GgmlType::kQ8_0, &blk, 32);
  for (int j = 0; j < 31; ++j) EXPECT_EQ(got[j], 0.5f * static_cast<float>(j - 16)) << j;
  EXPECT_EQ(got[31], -64.0f);
}

TEST(DequantizeKnownTest, Q5_0) {
  BlockQ5_0 blk = {};
  blk.d = kHalfOne;
  // High bits 0, 16 and 31 set: elements 0, 16, 31 have code 16 (value 0); others code 0 (-16).
  blk.qh[0] = 0x01;
  blk.qh[2] = 0x01;
  blk.qh[3] = 0x80;
  blk.qs[3] = 0x5A;  // element 3: 10 -> -6, element 19: 5 -> -11
  const std::vector<float> got = Dequantize(GgmlType::kQ5_0, &blk, 32);
  ExpectValues(got, {-16.0f}, 32, {{0, 0.0f}, {16, 0.0f}, {31, 0.0f}, {3, -6.0f}, {19, -11.0f}});
}

TEST(DequantizeKnownTest, IQ4_NL) {
  BlockIQ4_NL blk;
  blk.d = kHalfHalf;
  for (int j = 0; j < 16; ++j) blk.qs[j] = static_cast<uint8_t>(j | (15 - j) << 4);
  const std::vector<float> got = Dequantize(GgmlType::kIQ4_NL, &blk, 32);
  const float book[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(got[j], 0.5f * book[j]) << j;
    EXPECT_EQ(got[j + 16], 0.5f * book[15 - j]) << j;
  }
}

// Sub-block scales sc = {1,2,3,4,40,50,60,63}, mins m = {5,6,7,8,33,17,0,48}, packed by hand:
// bytes 0-3 = sc[0..3] | top2(sc[4..7]) << 6, bytes 4-7 = m[0..3] | top2(m[4..7]) << 6,
// bytes 8-11 = low4(sc[4..7]) | low4(m[4..7]) << 4.
constexpr uint8_t kK4Scales[12] = {129, 194, 195, 196, 133, 70, 7, 200, 24, 18, 12, 15};

TEST(DequantizeKnownTest, Q4_K) {
  BlockQ4_K blk = {};
  blk.d = kHalfHalf;
  blk.dmin = kHalfQuarter;
  std::copy(std::begin(kK4Scales), std::end(kK4Scales), blk.scales);
  blk.qs[0] = 0x3F;    // element 0 (sub 0): 15; element 32 (sub 1): 3
  blk.qs[71] = 0xA5;   // element 135 (sub 4): 5; element 167 (sub 5): 10
  blk.qs[127] = 0xE0;  // element 223 (sub 6): 0; element 255 (sub 7): 14
  const std::vector<float> got = Dequantize(GgmlType::kQ4_K, &blk, 256);
  // x = 0.5 * sc * q - 0.25 * m; with q = 0 that is -0.25 * m.
  ExpectValues(got, {-1.25f, -1.5f, -1.75f, -2.0f, -8.25f, -4.25f, 0.0f, -12.0f}, 32,
               {{0, 6.25f}, {32, 1.5f}, {135, 91.75f}, {167, 245.75f}, {223, 0.0f}, {255, 429.0f}});
}

TEST(DequantizeKnownTest, Q5_K) {
  BlockQ5_K blk = {};
  blk.d = kHalfHalf;
  blk.dmin = kHalfOne;
  std::copy(std::begin(kK4Scales), std::end(kK4Scales), blk.scales);
  blk.qs[0] = 0x9F;   // element 0: low 15, element 32: low 9
  blk.qh[0] = 0x03;   // fifth bit for sub-blocks 0 and 1 at l = 0
  blk.qs[69] = 0x73;  // element 133 (sub 4): low 3; element 165 (sub 5): low 7
  blk.qh[5] = 0x30;   // fifth bit for sub-blocks 4 and 5 at l = 5
  blk.qh[31] = 0x80;  // element 255 (sub 7): code 16
  const std::vector<float> got = Dequantize(GgmlType::kQ5_K, &blk, 256);
  // x = 0.5 * sc * q - m.
  ExpectValues(got, {-5.0f, -6.0f, -7.0f, -8.0f, -33.0f, -17.0f, 0.0f, -48.0f}, 32,
               {{0, 10.5f}, {32, 19.0f}, {133, 347.0f}, {165, 558.0f}, {255, 456.0f}});
}

TEST(DequantizeKnownTest, Q6_K) {
  BlockQ6_K blk = {};
  blk.d = kHalfQuarter;
  for (int s = 0; s < 16; ++s) blk.scales[s] = 2;
  blk.scales[5] = -3;
  blk.scales[15] = 7;
  blk.ql[0] = 0x5A;   // element 0: low 10; element 64: low 5
  blk.qh[0] = 0xE4;   // top bits: element 0 -> 0, 32 -> 1, 64 -> 2, 96 -> 3
  blk.ql[35] = 0xF7;  // element 35: low 7; element 99: low 15
  blk.ql[84] = 0x3C;  // element 148: low 12; element 212: low 3
  blk.qh[52] = 0x13;  // element 148 top 3, element 180 top 0, element 212 top 1
  blk.ql[127] = 0xA0; // element 255: low 10
  blk.qh[63] = 0x80;  // element 255: top 2
  const std::vector<float> got = Dequantize(GgmlType::kQ6_K, &blk, 256);
  // x = 0.25 * sc * (q - 32); q = 0 gives -8 * sc.
  std::vector<float> defaults(16, -16.0f);
  defaults[5] = 24.0f;
  defaults[15] = -56.0f;
  ExpectValues(got, defaults, 16,
               {{0, -11.0f}, {32, -8.0f}, {64, 2.5f}, {96, 8.0f}, {35, -12.5f}, {99, -8.5f},
                {148, 14.0f}, {212, -6.5f}, {255, 17.5f}});
}

TEST(DequantizeKnownTest, Q3_K) {
  BlockQ3_K blk = {};
  blk.d = kHalfOne;
  // Signed scales {1,-1,2,5,-32,31,0,3,4,-4,7,-8,10,-16,15,-2}, stored +32 and packed by hand
  // (low nibbles of s and s + 8 share byte s % 8; 2-bit tops of s, s+4, s+8, s+12 share byte
  // 8 + s % 4).
  const uint8_t scales[12] = {0x41, 0xCF, 0x72, 0x85, 0xA0, 0x0F, 0xF0, 0xE3,
                              0xA2, 0x5D, 0xAA, 0x5A};
  std::copy(std::begin(scales), std::end(scales), blk.scales);
  blk.qs[0] = 0xE7;     // low bits: element 0 -> 3, 32 -> 1, 64 -> 2, 96 -> 3
  blk.hmask[0] = 0x05;  // high bit set (no -4) for elements 0 and 64
  blk.qs[49] = 0x42;    // element 145 -> 2, 177 -> 0, 209 -> 0, 241 -> 1
  blk.hmask[17] = 0x10; // high bit set for element 145
  blk.hmask[31] = 0x80; // high bit set for element 255 (low bits 0)
  const std::vector<float> got = Dequantize(GgmlType::kQ3_K, &blk, 256);
  // x = sc * q; all-zero bits give q = -4.
  const float sc[16] = {1, -1, 2, 5, -32, 31, 0, 3, 4, -4, 7, -8, 10, -16, 15, -2};
  std::vector<float> defaults(16);
  for (int s = 0; s < 16; ++s) defaults[s] = -4.0f * sc[s];
  ExpectValues(got, defaults, 16,
               {{0, 3.0f}, {32, -6.0f}, {64, -64.0f}, {96, 0.0f}, {145, -8.0f}, {177, 32.0f},
                {241, 6.0f}, {255, 0.0f}});
}

TEST(DequantizeKnownTest, Q2_K) {
  BlockQ2_K blk = {};
  blk.d = kHalfHalf;
  blk.dmin = kHalfQuarter;
  for (int s = 0; s < 16; ++s) blk.scales[s] = static_cast<uint8_t>(s | (15 - s) << 4);
  blk.qs[0] = 0xE4;   // element 0 -> 0, 32 -> 1, 64 -> 2, 96 -> 3
  blk.qs[63] = 0xC1;  // element 159 -> 1, 255 -> 3
  blk.qs[20] = 0x02;  // element 20 -> 2
  const std::vector<float> got = Dequantize(GgmlType::kQ2_K, &blk, 256);
  // x = 0.5 * sc * q - 0.25 * m with sc = s, m = 15 - s.
  std::vector<float> defaults(16);
  for (int s = 0; s < 16; ++s) defaults[s] = -0.25f * static_cast<float>(15 - s);
  ExpectValues(got, defaults, 16,
               {{32, -2.25f}, {64, 1.25f}, {96, 6.75f}, {159, 3.0f}, {255, 22.5f}, {20, -2.5f}});
}

TEST(DequantizeKnownTest, IQ4_XS) {
  BlockIQ4_XS blk = {};
  blk.d = kHalfHalf;
  // 6-bit scales {33,31,34,0,63,32,42,25} (signed l = ls - 32: {1,-1,2,-32,31,0,10,-7}).
  blk.scales_l[0] = 0xF1;
  blk.scales_l[1] = 0x02;
  blk.scales_l[2] = 0x0F;
  blk.scales_l[3] = 0x9A;
  blk.scales_h = 0x6B26;
  for (uint8_t& q : blk.qs) q = 0x88;  // code 8 = value 1 everywhere
  blk.qs[0] = 0xF0;    // element 0: -127; element 16: 113
  blk.qs[53] = 0x3C;   // element 101: 53; element 117: -65
  blk.qs[127] = 0x7A;  // element 239: 25; element 255: -10
  const std::vector<float> got = Dequantize(GgmlType::kIQ4_XS, &blk, 256);
  // x = 0.5 * l * value.
  ExpectValues(got, {0.5f, -0.5f, 1.0f, -16.0f, 15.5f, 0.0f, 5.0f, -3.5f}, 32,
               {{0, -63.5f}, {16, 56.5f}, {101, -848.0f}, {117, 1040.0f}, {239, -87.5f},
                {255, 35.0f}});
}

}  // namespace
}  // namespace hearth
