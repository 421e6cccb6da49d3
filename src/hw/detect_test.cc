#include "hw/detect.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(ParseCpuInfo, X86CountsDistinctCoresNotHyperThreads) {
  const char* text =
      "processor\t: 0\nmodel name\t: AMD Ryzen 5 5600X 6-Core Processor\nphysical id\t: 0\ncore id\t\t: 0\n\n"
      "processor\t: 1\nmodel name\t: AMD Ryzen 5 5600X 6-Core Processor\nphysical id\t: 0\ncore id\t\t: 1\n\n"
      "processor\t: 2\nmodel name\t: AMD Ryzen 5 5600X 6-Core Processor\nphysical id\t: 0\ncore id\t\t: 0\n\n"
      "processor\t: 3\nmodel name\t: AMD Ryzen 5 5600X 6-Core Processor\nphysical id\t: 0\ncore id\t\t: 1\n";
  const CpuInfo info = ParseCpuInfo(text);
  EXPECT_EQ(info.model, "AMD Ryzen 5 5600X 6-Core Processor");
  EXPECT_EQ(info.logical_cores, 4);
  EXPECT_EQ(info.physical_cores, 2);
}

TEST(ParseCpuInfo, ArmBoardWithoutCoreIds) {
  const char* text =
      "processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd0b\n\nprocessor\t: 1\n\nprocessor\t: 2\n\nprocessor\t: 3\n\n"
      "Revision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n";
  const CpuInfo info = ParseCpuInfo(text);
  EXPECT_EQ(info.model, "Raspberry Pi 5 Model B Rev 1.0");
  EXPECT_EQ(info.logical_cores, 4);
  EXPECT_EQ(info.physical_cores, 4);
}

TEST(ParseMemInfo, ReadsTotalAndAvailable) {
  HardwareInfo hw;
  ASSERT_TRUE(ParseMemInfo("MemTotal:       16318412 kB\nMemFree:  1000 kB\nMemAvailable:   12000000 kB\n", hw).ok());
  EXPECT_EQ(hw.ram_total, 16318412ull * 1024);
  EXPECT_EQ(hw.ram_available, 12000000ull * 1024);
  HardwareInfo missing;
  EXPECT_EQ(ParseMemInfo("MemTotal: 100 kB\n", missing).code(), StatusCode::kCorruptFile);
}

TEST(ParseNvidiaSmi, TwoGpusAndANameWithAComma) {
  Result<std::vector<GpuInfo>> gpus =
      ParseNvidiaSmi("NVIDIA GeForce RTX 4090, 24564, 23010\nNVIDIA RTX A6000, Ada, 49140, 49000\n\n");
  ASSERT_TRUE(gpus.ok()) << gpus.error().message();
  ASSERT_EQ(gpus->size(), 2u);
  EXPECT_EQ((*gpus)[0].name, "NVIDIA GeForce RTX 4090");
  EXPECT_EQ((*gpus)[0].memory_total, 24564ull << 20);
  EXPECT_EQ((*gpus)[0].memory_free, 23010ull << 20);
  EXPECT_EQ((*gpus)[1].name, "NVIDIA RTX A6000, Ada");
  EXPECT_EQ((*gpus)[1].memory_total, 49140ull << 20);
}

TEST(ParseNvidiaSmi, MalformedLinesAreErrors) {
  EXPECT_FALSE(ParseNvidiaSmi("NVIDIA GeForce RTX 4090, [N/A], 100\n").ok());
  EXPECT_FALSE(ParseNvidiaSmi("no commas here\n").ok());
  EXPECT_FALSE(ParseNvidiaSmi("GPU, 100, 200\n").ok());  // free > total
  Result<std::vector<GpuInfo>> none = ParseNvidiaSmi("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(DetectHardware, ThisMachineIsConsistent) {
  Result<HardwareInfo> hw = DetectHardware({.measure_bandwidth = false});
  ASSERT_TRUE(hw.ok()) << hw.error().message();
  EXPECT_GE(hw->physical_cores, 1);
  EXPECT_GE(hw->logical_cores, hw->physical_cores);
  EXPECT_GT(hw->ram_total, 64ull << 20);
  EXPECT_GT(hw->ram_available, 0u);
  EXPECT_LE(hw->ram_available, hw->ram_total);
  EXPECT_FALSE(hw->cpu_model.empty());
  EXPECT_EQ(hw->memory_bandwidth_gbs, 0.0);
}

}  // namespace
}  // namespace hearth
