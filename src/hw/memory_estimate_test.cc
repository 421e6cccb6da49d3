#include "hw/memory_estimate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "model/gemma4/gemma4_test_model.h"

namespace hearth {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

ModelFootprint Variant(const std::string& v, const std::string& q) {
  Result<ModelFootprint> fp = FootprintOfVariant(v, q);
  EXPECT_TRUE(fp.ok()) << fp.error().message();
  return fp.ok() ? *fp : ModelFootprint{};
}

// By hand from the spec's E2B table: 15 cache-owning layers (20 of 35 share KV); FULL layers 4,
// 9, 14 hold every position with 1 KV head x 512; the 12 SWA layers hold window 512 + batch
// 512 - 1 rows of 1 x 256; K and V, f32.
TEST(MemoryEstimate, E2bKvCacheByHand) {
  const ModelFootprint fp = Variant("E2B", "Q4_K_M");
  const uint64_t full = 3ull * 32768 * 512 * 2 * 4;
  const uint64_t swa = 12ull * (512 + 511) * 256 * 2 * 4;
  EXPECT_EQ(EstimateMemory(fp, 32768).kv, full + swa);
  // A 128K context only grows the 3 FULL layers.
  EXPECT_EQ(EstimateMemory(fp, 131072).kv - EstimateMemory(fp, 32768).kv, 3ull * (131072 - 32768) * 512 * 2 * 4);
}

// 31B: 10 FULL layers of 4 x 512 and 50 SWA layers of 16 x 256 with window 1024, no sharing.
TEST(MemoryEstimate, ThirtyOneBKvCacheByHand) {
  const ModelFootprint fp = Variant("31B", "Q4_K_M");
  EXPECT_EQ(EstimateMemory(fp, 8192, 512).kv, 10ull * 8192 * 2048 * 8 + 50ull * (1024 + 511) * 4096 * 8);
}

// The PLE table of E2B: 262144 rows of 35 x 256, Q4_K (144 bytes per 256 values) in Q4_K_M.
TEST(MemoryEstimate, PerLayerEmbeddingTableIsPaged) {
  const ModelFootprint fp = Variant("E2B", "Q4_K_M");
  EXPECT_EQ(fp.paged_bytes, 262144ull * 35 * 256 / 256 * 144);
  EXPECT_EQ(EstimateMemory(fp, 4096).weights, fp.weight_bytes - fp.paged_bytes);
  EXPECT_EQ(Variant("31B", "Q4_K_M").paged_bytes, 0u);
}

// `hearth make-test-model --preset e2b --type q4_k_m` wrote a file of 2,790,675,584 bytes
// (~/.cache/hearth-bench/e2b-q4_k_m.gguf): tensor data plus a header of a few MB (the vocab).
TEST(MemoryEstimate, E2bQ4KmWeightsMatchTheGeneratedFile) {
  const ModelFootprint fp = Variant("E2B", "Q4_K_M");
  const double file = 2790675584.0;
  EXPECT_LT(static_cast<double>(fp.weight_bytes), file);
  EXPECT_GT(static_cast<double>(fp.weight_bytes), 0.99 * file);
}

// Parameter counts against the published sizes (spec §a.1): E2B 4.65B, E4B 7.5B, 26B-A4B 25.2B
// of which ~3.8B are active per token, 31B 30.7B. bytes_per_token of the MoE counts 8 of 128
// experts.
TEST(MemoryEstimate, ParameterCountsAndActiveBytes) {
  EXPECT_NEAR(static_cast<double>(Variant("E2B", "Q8_0").n_params) / 1e9, 4.65, 0.1);
  EXPECT_NEAR(static_cast<double>(Variant("E4B", "Q8_0").n_params) / 1e9, 7.5, 0.15);
  const ModelFootprint moe = Variant("26B-A4B", "Q8_0");
  EXPECT_NEAR(static_cast<double>(moe.n_params) / 1e9, 25.2, 0.5);
  const ModelFootprint dense = Variant("31B", "Q8_0");
  EXPECT_NEAR(static_cast<double>(dense.n_params) / 1e9, 30.7, 0.6);
  EXPECT_EQ(dense.bytes_per_token, dense.weight_bytes);
  // Q8_0 is 34 bytes per 32 values: active ~3.8B params -> ~4 GB per token.
  EXPECT_NEAR(static_cast<double>(moe.bytes_per_token) / 1e9, 3.8 * 34 / 32, 0.4);
}

TEST(MemoryEstimate, QuantsOrderBySize) {
  uint64_t last = 0;
  for (const char* q : {"Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "BF16"}) {
    const uint64_t bytes = Variant("E4B", q).weight_bytes;
    EXPECT_GT(bytes, last) << q;
    last = bytes;
  }
  EXPECT_FALSE(FootprintOfVariant("E3B", "Q4_0").ok());
  EXPECT_FALSE(FootprintOfVariant("E2B", "Q3_K").ok());
}

TEST(MemoryEstimate, CheckFitsGivesTheNumbers) {
  const ModelFootprint fp = Variant("E4B", "Q4_K_M");
  EXPECT_TRUE(CheckFits(fp, 8192, 64 * kGiB).ok());
  const Status st = CheckFits(fp, 8192, 2 * kGiB);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("2.00 GiB"), std::string::npos) << st.message();
}

// A loaded file: the footprint's weights are the file's tensor bytes as the reader sizes them,
// and the KV estimate is what the cache really allocates.
TEST(MemoryEstimate, LoadedModelMatchesItsFileAndCache) {
  for (const char* preset : {"e-tiny", "moe-tiny", "dense-tiny"}) {
    const std::string path = ::testing::TempDir() + "memory_estimate_" + preset + "_" + std::to_string(getpid()) + ".gguf";
    Result<uint64_t> written = WriteTestModel({.preset = preset, .type = "q4_k_m", .n_vocab = 512, .out_path = path});
    ASSERT_TRUE(written.ok()) << written.error().message();
    Result<std::unique_ptr<Gemma4Model>> model = Gemma4Model::Load(path);
    ASSERT_TRUE(model.ok()) << model.error().message();
    const ModelFootprint fp = FootprintOfModel(**model);
    uint64_t file_bytes = 0;
    for (const GgufTensorInfo& t : (*model)->file().tensors()) file_bytes += t.n_bytes;
    EXPECT_EQ(fp.weight_bytes, file_bytes) << preset;
    EXPECT_EQ(fp.weight_bytes, *written) << preset;
    // The plan recommend costs variants with is the layout the loader sees in the written file.
    Result<TestModelLayout> plan = PlanTestModel({.preset = preset, .type = "q4_k_m"}, 512);
    ASSERT_TRUE(plan.ok());
    const std::vector<KvLayerSpec> loaded = (*model)->KvLayout();
    ASSERT_EQ(plan->kv_layers.size(), loaded.size()) << preset;
    for (size_t il = 0; il < loaded.size(); ++il) {
      EXPECT_EQ(plan->kv_layers[il].owns_kv, loaded[il].owns_kv) << preset << " layer " << il;
      EXPECT_EQ(plan->kv_layers[il].sliding, loaded[il].sliding) << preset << " layer " << il;
      EXPECT_EQ(plan->kv_layers[il].width, loaded[il].width) << preset << " layer " << il;
    }
    ASSERT_EQ(plan->tensors.size(), (*model)->file().tensors().size()) << preset;
    for (int ctx : {64, 300, 512}) {
      for (GgmlType kv_type : {GgmlType::kF32, GgmlType::kF16, GgmlType::kQ8_0}) {
        EXPECT_EQ(EstimateMemory(fp, ctx, 128, kv_type).kv, (*model)->NewCache(ctx, 128, kv_type)->bytes())
            << preset << " ctx " << ctx << " " << DtypeName(kv_type);
      }
    }
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace hearth
