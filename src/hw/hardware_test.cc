#include "hw/hardware.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(HardwareJson, RoundTrips) {
  const nlohmann::json j = nlohmann::json::parse(R"({
    "label": "box", "cpu": {"model": "Xeon", "features": ["AVX2", "FMA"], "physical_cores": 8, "logical_cores": 16},
    "ram": {"total_mib": 32768, "available_mib": 30000}, "memory_bandwidth_gbs": 45.5,
    "gpus": [{"name": "RTX 3060", "memory_total_mib": 12288, "memory_free_mib": 11800},
             {"name": "T4", "memory_total_mib": 15360}]})");
  Result<HardwareInfo> hw = HardwareFromJson(j);
  ASSERT_TRUE(hw.ok()) << hw.error().message();
  EXPECT_EQ(hw->label, "box");
  EXPECT_EQ(hw->cpu_features, (std::vector<std::string>{"AVX2", "FMA"}));
  EXPECT_EQ(hw->physical_cores, 8);
  EXPECT_EQ(hw->ram_total, 32ull << 30);
  EXPECT_EQ(hw->ram_available, 30000ull << 20);
  EXPECT_DOUBLE_EQ(hw->memory_bandwidth_gbs, 45.5);
  ASSERT_EQ(hw->gpus.size(), 2u);
  EXPECT_EQ(hw->gpus[0].memory_free, 11800ull << 20);
  EXPECT_EQ(hw->gpus[1].memory_free, 15360ull << 20);  // free defaults to total
  Result<HardwareInfo> again = HardwareFromJson(nlohmann::json::parse(HardwareToJson(*hw).dump()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ram_available, hw->ram_available);
  EXPECT_EQ(again->gpus[1].memory_total, hw->gpus[1].memory_total);
  EXPECT_EQ(again->cpu_model, "Xeon");
}

TEST(HardwareJson, BadInputNamesTheField) {
  const auto error = [](const char* text) {
    Result<HardwareInfo> hw = HardwareFromJson(nlohmann::json::parse(text));
    return hw.ok() ? std::string("ok") : hw.error().message();
  };
  EXPECT_NE(error("[]").find("object"), std::string::npos);
  EXPECT_NE(error("{}").find("ram"), std::string::npos);
  EXPECT_NE(error(R"({"ram": {"total_mib": 100}})").find("ram.available_mib"), std::string::npos);
  EXPECT_NE(error(R"({"ram": {"total_mib": 100, "available_mib": 200}})").find("exceeds"), std::string::npos);
  EXPECT_NE(error(R"({"ram": {"total_mib": -1, "available_mib": 0}})").find("ram.total_mib"), std::string::npos);
  EXPECT_NE(error(R"({"ram": {"total_mib": 100, "available_mib": 50}, "gpus": [{"name": 3}]})").find("gpus[0].name"),
            std::string::npos);
  EXPECT_NE(error(R"({"ram": {"total_mib": 100, "available_mib": 50}, "cpu": {"features": "AVX2"}})")
                .find("cpu.features"),
            std::string::npos);
}

TEST(HardwareJson, MissingOrInvalidFile) {
  EXPECT_EQ(LoadHardwareFile("/nonexistent/machine.json").error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace hearth
