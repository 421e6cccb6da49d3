// The K/V cache in each element type: rows round-trip within the type's rounding, sizes agree with
// BytesFor, ring slots wrap on sliding layers, and the type names parse (env and flag).
#include "kv_cache/kv_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kv_cache/kv_cache_type.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

// A full layer, a sliding layer and a KV-shared layer, widths of 2 heads x 64.
const std::vector<KvLayerSpec> kLayers = {{.owns_kv = true, .sliding = false, .width = 128},
                                          {.owns_kv = true, .sliding = true, .width = 128},
                                          {.owns_kv = false, .sliding = true, .width = 128}};

class KvCacheTypeTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(KvCacheTypeTest, RowsRoundTripWithinTheTypesRounding) {
  const GgmlType type = GetParam();
  KvCache cache(kLayers, 64, 8, 4, type);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> k(128), v(128), back(128);
  for (int64_t pos = 0; pos < 40; ++pos) {  // the sliding ring (11 slots) wraps several times
    for (float& x : k) x = normal(rng);
    for (float& x : v) x = normal(rng);
    for (int il : {0, 1}) {
      cache.StoreK(il, pos, k.data());
      cache.StoreV(il, pos, v.data());
      for (const auto& [row, want] : {std::pair{cache.K(il, pos), &k}, std::pair{cache.V(il, pos), &v}}) {
        DequantizeRow(type, row, back.data(), 128);
        for (size_t b = 0; b < 128; b += 32) {
          float amax = 0;
          for (size_t i = b; i < b + 32; ++i) amax = std::max(amax, std::fabs((*want)[i]));
          for (size_t i = b; i < b + 32; ++i) {
            const float x = (*want)[i];
            // f32 exact; f16 half an ulp (2^-11 relative); q8_0 half a step of amax / 127, plus the
            // f16 rounding of the scale.
            const float tol = type == GgmlType::kF32   ? 0.0f
                              : type == GgmlType::kF16 ? std::fabs(x) * 0x1p-11f
                                                       : amax / 127.0f * 0.5f + amax * 0x1p-10f;
            EXPECT_NEAR(back[i], x, tol) << "layer " << il << " pos " << pos << " i " << i;
          }
        }
      }
    }
  }
  // The sliding layer's slot of position 39 is that of 39 - 11, the full layer's is its own.
  EXPECT_EQ(cache.K(1, 39), cache.K(1, 28));
  EXPECT_NE(cache.K(0, 39), cache.K(0, 28));
}

TEST_P(KvCacheTypeTest, BytesMatchTheFormula) {
  const GgmlType type = GetParam();
  const KvCache cache(kLayers, 64, 8, 4, type);
  EXPECT_EQ(cache.bytes(), KvCache::BytesFor(kLayers, 64, 8, 4, type));
  // Full layer 64 rows, sliding ring 8 + 4 - 1 = 11 rows, shared layer none; K and V.
  EXPECT_EQ(cache.bytes(), 2 * (64 + 11) * *RowBytes(type, 128));
  EXPECT_EQ(cache.type(), type);
}

INSTANTIATE_TEST_SUITE_P(Types, KvCacheTypeTest, ::testing::Values(GgmlType::kF32, GgmlType::kF16, GgmlType::kQ8_0),
                         [](const ::testing::TestParamInfo<GgmlType>& p) { return std::string(DtypeName(p.param)); });

TEST(KvCacheType, Q8_0TakesAQuarterOfF32) {
  const size_t f32 = KvCache::BytesFor(kLayers, 1024, 8, 1, GgmlType::kF32);
  EXPECT_EQ(KvCache::BytesFor(kLayers, 1024, 8, 1, GgmlType::kF16) * 2, f32);
  EXPECT_EQ(KvCache::BytesFor(kLayers, 1024, 8, 1, GgmlType::kQ8_0) * 128,
            f32 * 34);  // 34 bytes per 32 values
}

TEST(KvCacheType, ParsesTheThreeNames) {
  EXPECT_EQ(*ParseKvCacheType("f32", "x"), GgmlType::kF32);
  EXPECT_EQ(*ParseKvCacheType("F16", "x"), GgmlType::kF16);
  EXPECT_EQ(*ParseKvCacheType("q8_0", "x"), GgmlType::kQ8_0);
  Result<GgmlType> bad = ParseKvCacheType("q4_0", "--kv-cache-type");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("--kv-cache-type"), std::string::npos);
  EXPECT_NE(bad.error().message().find("valid: f32, f16, q8_0"), std::string::npos);
}

TEST(KvCacheType, EnvironmentHearthFirstThenOllama) {
  ::unsetenv("HEARTH_KV_CACHE_TYPE");
  ::unsetenv("OLLAMA_KV_CACHE_TYPE");
  EXPECT_EQ(*KvCacheTypeFromEnvironment(), GgmlType::kF32);
  ::setenv("OLLAMA_KV_CACHE_TYPE", "q8_0", 1);
  EXPECT_EQ(*KvCacheTypeFromEnvironment(), GgmlType::kQ8_0);
  ::setenv("HEARTH_KV_CACHE_TYPE", "f16", 1);
  EXPECT_EQ(*KvCacheTypeFromEnvironment(), GgmlType::kF16);
  ::setenv("HEARTH_KV_CACHE_TYPE", "int4", 1);
  Result<GgmlType> bad = KvCacheTypeFromEnvironment();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("HEARTH_KV_CACHE_TYPE"), std::string::npos);
  ::unsetenv("HEARTH_KV_CACHE_TYPE");
  ::unsetenv("OLLAMA_KV_CACHE_TYPE");
}

}  // namespace
}  // namespace hearth
