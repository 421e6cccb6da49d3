#include "hw/recommend.h"

#include <gtest/gtest.h>

#include "hw/detect.h"

namespace hearth {
namespace {

// The machine table of issue 6. RAM "available" is what a desktop session typically leaves;
// bandwidths are public streaming-read figures, rounded down (Pi 5 LPDDR4X ~10 GB/s measured,
// Apple M2 100 GB/s spec, dual-channel DDR4/DDR5 desktops 40/70 GB/s).
Recommendation RecommendFor(const char* json) {
  Result<HardwareInfo> hw = HardwareFromJson(nlohmann::json::parse(json));
  EXPECT_TRUE(hw.ok()) << hw.error().message();
  Result<Recommendation> r = Recommend(*hw);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return *r;
}

std::string Pick(const Plan& p) { return p.pick ? p.pick->variant : "none"; }

// The recommendation is a real optimum of its own rule: the pick is usable, and no usable
// candidate in the table is a larger variant.
void ExpectConsistent(const Plan& p) {
  ASSERT_TRUE(p.pick.has_value());
  EXPECT_TRUE(p.pick->usable());
  EXPECT_LE(p.pick->memory.total(), p.budget);
  const std::vector<std::string>& v = VariantNames();
  const auto rank = [&](const std::string& name) { return std::find(v.begin(), v.end(), name) - v.begin(); };
  for (const Candidate& c : p.table) {
    if (c.usable()) {
      EXPECT_LE(rank(c.variant), rank(p.pick->variant)) << c.variant << " " << c.quant;
    }
  }
}

TEST(Recommend, RaspberryPi5With8GbGetsE2b) {
  const Recommendation r = RecommendFor(R"({"label": "Raspberry Pi 5 8 GB",
      "cpu": {"model": "Cortex-A76", "features": ["NEON", "DOTPROD"], "physical_cores": 4, "logical_cores": 4},
      "ram": {"total_mib": 8064, "available_mib": 7400}, "memory_bandwidth_gbs": 10})");
  EXPECT_EQ(r.primary.target, "cpu");
  EXPECT_FALSE(r.cpu.has_value());
  EXPECT_EQ(Pick(r.primary), "E2B");
  ExpectConsistent(r.primary);
  EXPECT_GE(r.primary.pick->n_ctx, 32768);
  // E4B would fit the RAM but, reading ~3 GB per token, decodes below reading speed on 10 GB/s.
  for (const Candidate& c : r.primary.table) {
    if (c.variant == "E4B" && c.quant == "Q4_K_M") {
      EXPECT_TRUE(c.fits);
      EXPECT_FALSE(c.fast_enough);
      EXPECT_LT(c.max_tokens_per_second, kMinTokensPerSecond);
    }
  }
}

TEST(Recommend, MacBookAir16GbGetsE4b) {
  const Recommendation r = RecommendFor(R"({"label": "MacBook Air M2 16 GB",
      "cpu": {"model": "Apple M2", "features": ["NEON", "DOTPROD"], "physical_cores": 8, "logical_cores": 8},
      "ram": {"total_mib": 16384, "available_mib": 11000}, "memory_bandwidth_gbs": 100})");
  EXPECT_EQ(Pick(r.primary), "E4B");
  ExpectConsistent(r.primary);
  EXPECT_GE(r.primary.pick->n_ctx, 32768);
}

TEST(Recommend, Rtx3060With16GbRamGetsE4bOr26bQ4) {
  const Recommendation r = RecommendFor(R"({"label": "RTX 3060 12 GB + 16 GB RAM",
      "cpu": {"model": "AMD Ryzen 5 5600X", "features": ["AVX2", "FMA", "F16C"], "physical_cores": 6, "logical_cores": 12},
      "ram": {"total_mib": 15900, "available_mib": 12500}, "memory_bandwidth_gbs": 40,
      "gpus": [{"name": "NVIDIA GeForce RTX 3060", "memory_total_mib": 12288, "memory_free_mib": 11800}]})");
  EXPECT_EQ(r.primary.target, "gpu");
  const std::string pick = Pick(r.primary) + (r.primary.pick ? " " + r.primary.pick->quant : "");
  EXPECT_TRUE(pick.rfind("E4B", 0) == 0 || pick.rfind("26B-A4B Q4", 0) == 0) << pick;
  ExpectConsistent(r.primary);
  ASSERT_TRUE(r.cpu.has_value());  // hearth is CPU-only: the RAM plan is there too
  EXPECT_EQ(Pick(*r.cpu), "E4B");
}

TEST(Recommend, Rtx4090Gets26bA4b) {
  const Recommendation r = RecommendFor(R"({"label": "RTX 4090 24 GB + 64 GB RAM",
      "cpu": {"model": "Intel Core i9-13900K", "features": ["AVX2", "FMA", "F16C"], "physical_cores": 24, "logical_cores": 32},
      "ram": {"total_mib": 65536, "available_mib": 58000}, "memory_bandwidth_gbs": 70,
      "gpus": [{"name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564, "memory_free_mib": 24000}]})");
  EXPECT_EQ(Pick(r.primary), "26B-A4B");
  ExpectConsistent(r.primary);
  // 31B does not fit 24 GB with a 32K f32 cache.
  for (const Candidate& c : r.primary.table) {
    if (c.variant == "31B") {
      EXPECT_FALSE(c.fits) << c.quant;
    }
  }
  // On the CPU 31B would fit 58 GB of RAM but reads ~19 GB per token: the MoE wins there too.
  ASSERT_TRUE(r.cpu.has_value());
  EXPECT_EQ(Pick(*r.cpu), "26B-A4B");
}

TEST(Recommend, TwoRtx4090sGet31b) {
  const Recommendation r = RecommendFor(R"({"label": "2x RTX 4090 + 128 GB RAM",
      "cpu": {"model": "AMD Threadripper 7960X", "features": ["AVX2", "AVX512F"], "physical_cores": 24, "logical_cores": 48},
      "ram": {"total_mib": 131072, "available_mib": 120000}, "memory_bandwidth_gbs": 150,
      "gpus": [{"name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564, "memory_free_mib": 24000},
               {"name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564, "memory_free_mib": 24000}]})");
  EXPECT_EQ(Pick(r.primary), "31B");
  ExpectConsistent(r.primary);
  EXPECT_GT(r.primary.budget, 44ull << 30);
}

TEST(Recommend, SlowMemoryFallsBackToTheFastestThatFits) {
  const Recommendation r = RecommendFor(R"({"ram": {"total_mib": 16384, "available_mib": 15000}, "memory_bandwidth_gbs": 2})");
  ASSERT_TRUE(r.primary.pick.has_value());
  EXPECT_EQ(r.primary.pick->variant, "E2B");
  EXPECT_EQ(r.primary.pick->quant, "Q4_0");  // the fewest bytes read per token
  EXPECT_FALSE(r.primary.pick->fast_enough);
  bool said = false;
  for (const std::string& line : r.primary.reasoning) said |= line.find("fastest that fits") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(Recommend, TooSmallMachineGetsNothingAndSaysWhy) {
  const Recommendation r = RecommendFor(R"({"ram": {"total_mib": 2048, "available_mib": 1500}})");
  EXPECT_FALSE(r.primary.pick.has_value());
  ASSERT_FALSE(r.primary.table.empty());
  EXPECT_EQ(r.primary.table.front().n_ctx, 4096);  // the last, smallest context tried
  EXPECT_NE(r.primary.table.front().why.find("needs"), std::string::npos);
}

TEST(Recommend, FixedContextIsHonoured) {
  Result<HardwareInfo> hw = HardwareFromJson(nlohmann::json::parse(R"({"ram": {"total_mib": 65536, "available_mib": 60000}})"));
  ASSERT_TRUE(hw.ok());
  Result<Recommendation> r = Recommend(*hw, {.n_ctx = 200000});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->primary.pick.has_value());
  EXPECT_EQ(r->primary.pick->n_ctx, 200000);
  // E2B and E4B stop at 128K, so only the 256K models are candidates.
  for (const Candidate& c : r->primary.table) {
    if (c.variant == "E2B") {
      EXPECT_NE(c.why.find("exceeds"), std::string::npos);
    }
  }
  EXPECT_FALSE(Recommend(*hw, {.n_ctx = -1}).ok());
}

TEST(Recommend, ThisMachine) {
  Result<HardwareInfo> hw = DetectHardware();
  ASSERT_TRUE(hw.ok()) << hw.error().message();
  EXPECT_GT(hw->memory_bandwidth_gbs, 0.5);
  Result<Recommendation> r = Recommend(*hw);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(CpuBudget(*hw), hw->ram_available);
  const Plan& cpu = r->cpu ? *r->cpu : r->primary;
  ASSERT_TRUE(cpu.pick.has_value());  // 20 GB of RAM holds E2B whatever the bandwidth
  if (cpu.pick->fast_enough) {
    ExpectConsistent(cpu);
  } else {
    // The slow fallback is taken only when no candidate is both fitting and fast enough, and
    // then it is the fastest of those that fit.
    for (const Candidate& c : cpu.table) {
      EXPECT_FALSE(c.usable()) << c.variant << " " << c.quant;
      if (c.fits) {
        EXPECT_LE(c.max_tokens_per_second, cpu.pick->max_tokens_per_second) << c.variant << " " << c.quant;
      }
    }
  }
  const nlohmann::ordered_json j = RecommendationToJson(*r);
  EXPECT_EQ(j["recommendation"]["candidates"].size(), VariantNames().size() * QuantNames().size());
}

}  // namespace
}  // namespace hearth
