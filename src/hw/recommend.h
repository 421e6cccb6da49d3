// `hearth recommend`: which Gemma 4 variant, quant and context fit a machine, and why. Every
// candidate (variant x quant) is costed with the memory model (hw/memory_estimate.h) against a
// budget; the pick is the largest variant that fits with a usable context, then the best quant
// of it, then the longest context. Nothing is keyed on machine classes: the seed's tree (Pi ->
// E2B, laptop -> E4B, 24 GB GPU -> 26B-A4B, 48 GB -> 31B) falls out of the numbers.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hw/hardware.h"
#include "hw/memory_estimate.h"

namespace hearth {

// Below this decode rate (tokens/s, bounded by memory bandwidth / bytes read per token) a chat
// model is slower than reading; on CPUs a smaller model that keeps up wins.
inline constexpr double kMinTokensPerSecond = 5.0;

struct Candidate {
  std::string variant, quant;
  int n_ctx = 0;
  MemoryEstimate memory;
  double max_tokens_per_second = 0;  // bandwidth bound; 0 when the bandwidth is unknown
  bool fits = false;                 // memory within budget
  bool fast_enough = true;           // only checked on CPU plans with a known bandwidth
  std::string why;                   // one line: fits / too big / too slow, with numbers
  bool usable() const { return fits && fast_enough; }
};

// The choice for one kind of memory (the GPUs' VRAM, or RAM for the CPU).
struct Plan {
  std::string target;  // "gpu" or "cpu"
  uint64_t budget = 0;
  std::string budget_reason;
  std::optional<Candidate> pick;
  std::vector<Candidate> table;  // every variant x quant at the deciding context (or the last tried)
  std::vector<std::string> reasoning;
};

struct Recommendation {
  HardwareInfo hardware;
  Plan primary;                // GPU plan when a GPU is reported, else the CPU plan
  std::optional<Plan> cpu;     // with GPUs: what hearth, CPU-only today, can run from RAM
  std::vector<std::string> notes;
};

struct RecommendOptions {
  int n_ctx = 0;  // 0: choose (at least 32K if anything fits, else 8K, else 4K; up to 128K)
  GgmlType kv_cache_type = GgmlType::kF32;  // the K/V elements every candidate is costed with
};

Result<Recommendation> Recommend(const HardwareInfo& hw, const RecommendOptions& options = {});

uint64_t CpuBudget(const HardwareInfo& hw);
uint64_t GpuBudget(const HardwareInfo& hw);

nlohmann::ordered_json RecommendationToJson(const Recommendation& r);
std::string RecommendationToText(const Recommendation& r);

}  // namespace hearth
