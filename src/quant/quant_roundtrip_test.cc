// Quantize -> dequantize round trips on Gaussian rows for every computable type, the exact
// rounding rules of the activation formats (Q8_0, Q8_K), f16/bf16 special values, and the
// traits table (block sizes, error text).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "quant/block_formats.h"
#include "quant/quant_traits.h"
#include "tensor/dtype.h"

namespace hearth {
namespace {

std::vector<float> GaussianRow(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> row(static_cast<size_t>(n));
  for (float& v : row) {
    do {
      v = dist(rng);
    } while (v == 0.0f);
  }
  return row;
}

double RelativeRms(const std::vector<float>& ref, const std::vector<float>& got) {
  double err = 0, norm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    err += (static_cast<double>(ref[i]) - got[i]) * (static_cast<double>(ref[i]) - got[i]);
    norm += static_cast<double>(ref[i]) * ref[i];
  }
  return std::sqrt(err / norm);
}

struct RoundTripCase {
  GgmlType type;
  double max_rel_rms;  // measured on N(0, 1) rows, with some headroom
};

// Bounds sit above the error a sound quantizer of that bit width reaches on Gaussian data
// (roughly step / sqrt(12) relative to sigma) and well below what a layout bug produces
// (a swapped nibble or scale gives errors of order 100%).
constexpr RoundTripCase kRoundTripCases[] = {
    // Worst over 19 seeds measured at 0.00023, 0.0018, 0.0058, 0.0086, 0.018 (Q6_K).
    {GgmlType::kF32, 0.0},       {GgmlType::kF16, 0.0004},    {GgmlType::kBF16, 0.003},
    {GgmlType::kQ8_0, 0.007},    {GgmlType::kQ8_K, 0.010},    {GgmlType::kQ6_K, 0.022},
    // Measured 0.047, 0.040, 0.039.
    {GgmlType::kQ5_0, 0.055},    {GgmlType::kQ5_1, 0.05},     {GgmlType::kQ5_K, 0.045},
    // Measured 0.092, 0.084, 0.075, 0.079, 0.079.
    {GgmlType::kQ4_0, 0.105},    {GgmlType::kQ4_1, 0.095},    {GgmlType::kQ4_K, 0.085},
    {GgmlType::kIQ4_NL, 0.09},   {GgmlType::kIQ4_XS, 0.09},
    // Measured 0.150, 0.284.
    {GgmlType::kQ3_K, 0.17},     {GgmlType::kQ2_K, 0.32},
};

class RoundTripTest : public testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, GaussianRowsStayWithinBound) {
  const RoundTripCase& c = GetParam();
  const DtypeInfo& info = GetDtype(c.type);
  const QuantTraits* traits = FindQuantTraits(c.type);
  ASSERT_NE(traits, nullptr);
  ASSERT_NE(traits->quantize, nullptr);
  uint32_t seed = 1;
  for (int64_t blocks : {1, 3, 16}) {
    // 256-element multiples for every type, plus a single 32-block where the block allows.
    for (int64_t n : {blocks * 256, info.block_elems == 32 ? blocks * 32 : blocks * 256}) {
      const std::vector<float> row = GaussianRow(n, seed++);
      std::vector<uint8_t> packed(*RowBytes(c.type, n));
      std::vector<float> back(static_cast<size_t>(n));
      QuantizeRow(c.type, row.data(), packed.data(), n);
      DequantizeRow(c.type, packed.data(), back.data(), n);
      const double rel = RelativeRms(row, back);
      EXPECT_LE(rel, c.max_rel_rms) << DtypeName(c.type) << " n=" << n;
    }
  }
}

TEST_P(RoundTripTest, ZeroRowStaysZero) {
  const RoundTripCase& c = GetParam();
  const int64_t n = 256;
  const std::vector<float> zeros(n, 0.0f);
  std::vector<uint8_t> packed(*RowBytes(c.type, n), 0xAB);
  std::vector<float> back(n, 1.0f);
  QuantizeRow(c.type, zeros.data(), packed.data(), n);
  DequantizeRow(c.type, packed.data(), back.data(), n);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(back[i], 0.0f) << DtypeName(c.type) << " at " << i;
}

TEST_P(RoundTripTest, ScaledRowsScaleTheError) {
  // Scales are stored in f16, so a row far from unit size must still round-trip: 1e-3 and 1e3
  // both stay inside the f16 normal range after division by the code range.
  const RoundTripCase& c = GetParam();
  const int64_t n = 512;
  for (float scale : {1e-3f, 1e3f}) {
    std::vector<float> row = GaussianRow(n, 99);
    for (float& v : row) v *= scale;
    std::vector<uint8_t> packed(*RowBytes(c.type, n));
    std::vector<float> back(n);
    QuantizeRow(c.type, row.data(), packed.data(), n);
    DequantizeRow(c.type, packed.data(), back.data(), n);
    EXPECT_LE(RelativeRms(row, back), c.max_rel_rms * 1.5 + 1e-6)
        << DtypeName(c.type) << " scale " << scale;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTripTest, testing::ValuesIn(kRoundTripCases),
                         [](const testing::TestParamInfo<RoundTripCase>& param_info) {
                           return std::string(DtypeName(param_info.param.type));
                         });

TEST(QuantTraitsTest, EveryComputableTypeHasARoundTripCase) {
  for (uint32_t id = 0; id < 64; ++id) {
    const auto type = static_cast<GgmlType>(id);
    if (FindQuantTraits(type) == nullptr) continue;
    bool found = false;
    for (const RoundTripCase& c : kRoundTripCases) found = found || c.type == type;
    EXPECT_TRUE(found) << "type id " << id;
  }
}

TEST(QuantTraitsTest, BlockStructsMatchDtypeTable) {
  struct Size {
    GgmlType type;
    size_t bytes;
    int64_t elems;
  };
  const Size sizes[] = {
      {GgmlType::kQ4_0, sizeof(BlockQ4_0), kQK},       {GgmlType::kQ4_1, sizeof(BlockQ4_1), kQK},
      {GgmlType::kQ5_0, sizeof(BlockQ5_0), kQK},       {GgmlType::kQ5_1, sizeof(BlockQ5_1), kQK},
      {GgmlType::kQ8_0, sizeof(BlockQ8_0), kQK},       {GgmlType::kQ8_1, sizeof(BlockQ8_1), kQK},
      {GgmlType::kQ2_K, sizeof(BlockQ2_K), kQK_K},     {GgmlType::kQ3_K, sizeof(BlockQ3_K), kQK_K},
      {GgmlType::kQ4_K, sizeof(BlockQ4_K), kQK_K},     {GgmlType::kQ5_K, sizeof(BlockQ5_K), kQK_K},
      {GgmlType::kQ6_K, sizeof(BlockQ6_K), kQK_K},     {GgmlType::kQ8_K, sizeof(BlockQ8_K), kQK_K},
      {GgmlType::kIQ4_NL, sizeof(BlockIQ4_NL), kQK},   {GgmlType::kIQ4_XS, sizeof(BlockIQ4_XS), kQK_K},
  };
  for (const Size& s : sizes) {
    EXPECT_EQ(static_cast<int64_t>(s.bytes), GetDtype(s.type).block_bytes) << DtypeName(s.type);
    EXPECT_EQ(s.elems, GetDtype(s.type).block_elems) << DtypeName(s.type);
  }
}

TEST(QuantTraitsTest, UnsupportedTypesAreNamed) {
  EXPECT_EQ(FindQuantTraits(GgmlType::kIQ2_XXS), nullptr);
  EXPECT_EQ(FindQuantTraits(GgmlType::kQ8_1), nullptr);
  EXPECT_TRUE(CheckComputable(GgmlType::kQ4_K, "blk.0.attn_q.weight").ok());

  const Status s = CheckComputable(GgmlType::kIQ2_XXS, "blk.0.attn_q.weight");
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("tensor blk.0.attn_q.weight: type iq2_xxs is not supported"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("(supported: f32, f16, bf16, q8_0"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("iq4_xs)"), std::string::npos) << s.message();

  // An id the format does not define is still reported, not aborted on.
  const Status unknown = CheckComputable(static_cast<GgmlType>(99), "token_embd.weight");
  EXPECT_EQ(unknown.code(), StatusCode::kUnsupported);
  EXPECT_NE(unknown.message().find("tensor token_embd.weight: type id 99"), std::string::npos)
      << unknown.message();
}

TEST(QuantTraitsDeathTest, DequantizeRowChecksType) {
  float out[256];
  uint8_t in[256] = {};
  EXPECT_DEATH(DequantizeRow(GgmlType::kIQ2_XXS, in, out, 256), "no quant traits");
  EXPECT_DEATH(DequantizeRow(GgmlType::kQ8_0, in, out, 33), "not a multiple");
}

TEST(Q8Test, Q8_0RoundsHalvesAwayFromZero) {
  float x[kQK] = {};
  x[0] = 127.0f;  // amax 127 -> d = 1 exactly
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.5f;
  x[4] = -126.5f;
  BlockQ8_0 blk;
  QuantizeRow(GgmlType::kQ8_0, x, &blk, kQK);
  EXPECT_EQ(blk.d, F32ToF16(1.0f));
  EXPECT_EQ(blk.qs[0], 127);
  EXPECT_EQ(blk.qs[1], 3);
  EXPECT_EQ(blk.qs[2], -3);
  EXPECT_EQ(blk.qs[3], 1);
  EXPECT_EQ(blk.qs[4], -127);
  EXPECT_EQ(blk.qs[5], 0);
}

TEST(Q8Test, Q8_0MatchesFormulaOnRandomData) {
  // ggml reference: d = amax / 127, id = 1 / d (from the f32 d), q = roundf(x * id).
  const std::vector<float> row = GaussianRow(4 * kQK, 7);
  BlockQ8_0 blocks[4];
  QuantizeRow(GgmlType::kQ8_0, row.data(), blocks, 4 * kQK);
  for (int b = 0; b < 4; ++b) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(row[b * kQK + j]));
    const float d = amax / 127.0f;
    EXPECT_EQ(blocks[b].d, F32ToF16(d));
    for (int j = 0; j < kQK; ++j) {
      EXPECT_EQ(blocks[b].qs[j], static_cast<int8_t>(std::roundf(row[b * kQK + j] * (1.0f / d))));
    }
  }
}

TEST(Q8Test, Q8_KRoundsToEvenAndFillsBsums) {
  std::vector<float> x(kQK_K, 0.0f);
  x[0] = 127.0f;  // signed extreme -> iscale = -1, d = -1
  x[1] = 2.5f;    // -2.5 rounds to even: -2
  x[2] = 3.5f;    // -3.5 -> -4
  x[3] = -127.0f; // opposite end -> +127
  x[20] = 1.0f;
  BlockQ8_K blk;
  QuantizeRow(GgmlType::kQ8_K, x.data(), &blk, kQK_K);
  EXPECT_EQ(blk.d, -1.0f);
  EXPECT_EQ(blk.qs[0], -127);
  EXPECT_EQ(blk.qs[1], -2);
  EXPECT_EQ(blk.qs[2], -4);
  EXPECT_EQ(blk.qs[3], 127);
  EXPECT_EQ(blk.qs[20], -1);
  EXPECT_EQ(blk.bsums[0], -127 - 2 - 4 + 127);
  EXPECT_EQ(blk.bsums[1], -1);
  for (int g = 2; g < 16; ++g) EXPECT_EQ(blk.bsums[g], 0);

  const std::vector<float> row = GaussianRow(kQK_K, 11);
  QuantizeRow(GgmlType::kQ8_K, row.data(), &blk, kQK_K);
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += blk.qs[16 * g + j];
    EXPECT_EQ(blk.bsums[g], sum);
  }
}

TEST(FloatFormatsTest, F16SpecialValuesRoundTrip) {
  const float exact[] = {0.0f, -0.0f, 1.0f, -2.0f, 65504.0f, -65504.0f, 6.103515625e-05f,
                         5.960464477539063e-08f /* smallest subnormal */, 0.333251953125f,
                         INFINITY, -INFINITY};
  for (float v : exact) {
    uint16_t h;
    float back;
    QuantizeRow(GgmlType::kF16, &v, &h, 1);
    DequantizeRow(GgmlType::kF16, &h, &back, 1);
    EXPECT_EQ(FloatToBits(back), FloatToBits(v)) << v;
  }
  const float nan = NAN;
  uint16_t h;
  float back;
  QuantizeRow(GgmlType::kF16, &nan, &h, 1);
  DequantizeRow(GgmlType::kF16, &h, &back, 1);
  EXPECT_TRUE(std::isnan(back));
  // Past the largest half (65504 + half an ulp) rounds to infinity.
  const float big = 65520.0f;
  QuantizeRow(GgmlType::kF16, &big, &h, 1);
  EXPECT_EQ(h, 0x7C00);
}

TEST(FloatFormatsTest, Bf16SpecialValuesRoundTrip) {
  const float exact[] = {0.0f, -0.0f, 1.0f, -3.0f, 0.1015625f, 3.3895313892515355e38f,
                         INFINITY, -INFINITY, 9.183549615799121e-41f /* subnormal */};
  for (float v : exact) {
    uint16_t h;
    float back;
    QuantizeRow(GgmlType::kBF16, &v, &h, 1);
    DequantizeRow(GgmlType::kBF16, &h, &back, 1);
    EXPECT_EQ(FloatToBits(back), FloatToBits(v)) << v;
  }
  const float nan = NAN;
  uint16_t h;
  float back;
  QuantizeRow(GgmlType::kBF16, &nan, &h, 1);
  DequantizeRow(GgmlType::kBF16, &h, &back, 1);
  EXPECT_TRUE(std::isnan(back));
  // Ties round to even: 1 + 2^-8 sits halfway between 1 and 1 + 2^-7.
  const float tie = 1.00390625f;
  QuantizeRow(GgmlType::kBF16, &tie, &h, 1);
  EXPECT_EQ(h, 0x3F80);
}

}  // namespace
}  // namespace hearth
