// Detects the machine `hearth recommend` plans for: /proc/cpuinfo (model, cores),
// src/base/cpu_features (SIMD), /proc/meminfo (total and available RAM), NVIDIA GPUs through
// `nvidia-smi` when it is on PATH (run with a fixed argv, no shell, and a timeout; absent or
// failing means "no GPUs"), and a short streaming-read probe for memory bandwidth.
// The parsers are separate functions so tests can feed them recorded files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "hw/hardware.h"

namespace hearth {

struct CpuInfo {
  std::string model;
  int physical_cores = 0;  // distinct (physical id, core id) pairs; processors when absent (ARM)
  int logical_cores = 0;
};
CpuInfo ParseCpuInfo(std::string_view text);

// MemTotal and MemAvailable in bytes; an error when either line is missing.
Status ParseMemInfo(std::string_view text, HardwareInfo& hw);

// Lines of `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits`
// (MiB); a malformed line is an error naming it.
Result<std::vector<GpuInfo>> ParseNvidiaSmi(std::string_view text);

struct DetectOptions {
  bool measure_bandwidth = true;  // ~0.5 s: 256 MiB read a few times
};
Result<HardwareInfo> DetectHardware(const DetectOptions& options = {});

}  // namespace hearth
