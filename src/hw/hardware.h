// What `hearth recommend` knows about a machine: CPU, RAM, GPUs and memory bandwidth. Filled by
// DetectHardware (hw/detect.h) or read from JSON, which is how tests inject a table of machines
// (`hearth recommend --hardware FILE.json`). Sizes are bytes; a value of 0 means "not reported".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace hearth {

struct GpuInfo {
  std::string name;
  uint64_t memory_total = 0;
  uint64_t memory_free = 0;  // what the driver reports free now (a display takes some)
};

struct HardwareInfo {
  std::string label;                  // "detected", or a name from the JSON ("Raspberry Pi 5 8 GB")
  std::string cpu_model;
  std::vector<std::string> cpu_features;  // "AVX2", "AVX512F", "NEON", ...
  int physical_cores = 0;
  int logical_cores = 0;
  uint64_t ram_total = 0;
  uint64_t ram_available = 0;         // MemAvailable: free + reclaimable cache
  double memory_bandwidth_gbs = 0;    // streaming read, 1e9 B/s; 0 when unknown
  std::vector<GpuInfo> gpus;
};

// JSON form (the schema `--hardware` reads): sizes in MiB, as people and nvidia-smi write them.
//   {"label": "...", "cpu": {"model": "...", "features": ["NEON"], "physical_cores": 4,
//    "logical_cores": 4}, "ram": {"total_mib": 8064, "available_mib": 7400},
//    "memory_bandwidth_gbs": 10, "gpus": [{"name": "...", "memory_total_mib": 24564,
//    "memory_free_mib": 24100}]}
nlohmann::ordered_json HardwareToJson(const HardwareInfo& hw);
// Errors name the field at fault; RAM total and available are required and available <= total.
Result<HardwareInfo> HardwareFromJson(const nlohmann::json& j);
Result<HardwareInfo> LoadHardwareFile(const std::string& path);

}  // namespace hearth
