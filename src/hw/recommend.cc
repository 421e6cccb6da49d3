#include "hw/recommend.h"

#include <algorithm>
#include <cstdio>

namespace hearth {
namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kMiB = 1ull << 20;
// Context tiers: a recommendation needs at least the first tier that anything fits at, then
// grows to the longest that still fits (Gemma 4 is trained for 128K and more).
constexpr int kMinContexts[] = {32768, 8192, 4096};
constexpr int kGrowContexts[] = {131072, 32768, 8192, 4096};

struct Option {
  size_t variant, quant;
  ModelFootprint footprint;
};

// Quality order of the quants: their table order, except that BF16 ranks with Q8_0 (no
// measurable quality difference at twice the memory and bandwidth), so the smaller one wins.
size_t QuantRank(size_t quant) {
  const std::vector<std::string>& q = QuantNames();
  const size_t q8 = static_cast<size_t>(std::find(q.begin(), q.end(), "Q8_0") - q.begin());
  return q[quant] == "BF16" ? q8 : quant;
}

std::string Fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

std::string CtxName(int n_ctx) { return n_ctx % 1024 == 0 ? std::to_string(n_ctx / 1024) + "K" : std::to_string(n_ctx); }

Candidate Evaluate(const Option& o, int n_ctx, uint64_t budget, double bandwidth_gbs, GgmlType kv_type) {
  Candidate c{.variant = VariantNames()[o.variant], .quant = QuantNames()[o.quant], .n_ctx = n_ctx};
  if (n_ctx > o.footprint.n_ctx_train) {
    c.fits = false;
    c.why = "context " + CtxName(n_ctx) + " exceeds the model's " + CtxName(o.footprint.n_ctx_train);
    return c;
  }
  c.memory = EstimateMemory(o.footprint, n_ctx, 512, kv_type);
  c.fits = c.memory.total() <= budget;
  if (bandwidth_gbs > 0 && o.footprint.bytes_per_token > 0) {
    c.max_tokens_per_second = bandwidth_gbs * 1e9 / static_cast<double>(o.footprint.bytes_per_token);
    c.fast_enough = c.max_tokens_per_second >= kMinTokensPerSecond;
  }
  const std::string need = FormatGiB(c.memory.total());
  if (!c.fits) {
    c.why = "needs " + need + " > budget " + FormatGiB(budget);
  } else if (!c.fast_enough) {
    c.why = "fits (" + need + ") but reads " + FormatGiB(o.footprint.bytes_per_token) + " per token: at most " +
            Fmt("%.1f tok/s < %.0f", c.max_tokens_per_second, kMinTokensPerSecond);
  } else {
    c.why = "fits: " + need + " of " + FormatGiB(budget);
    if (c.max_tokens_per_second > 0) c.why += Fmt(", at most %.0f tok/s", c.max_tokens_per_second);
  }
  return c;
}

// True when `a` is a better pick than `b`: larger variant, then better quant, then less memory.
bool Better(const Option& a, const Candidate& ca, const Option& b, const Candidate& cb) {
  if (a.variant != b.variant) return a.variant > b.variant;
  if (QuantRank(a.quant) != QuantRank(b.quant)) return QuantRank(a.quant) > QuantRank(b.quant);
  return ca.memory.total() < cb.memory.total();
}

Plan MakePlan(std::string target, uint64_t budget, std::string budget_reason, double bandwidth_gbs,
              const std::vector<Option>& options, const RecommendOptions& ro) {
  Plan plan{.target = std::move(target), .budget = budget, .budget_reason = std::move(budget_reason)};
  std::vector<int> min_contexts(std::begin(kMinContexts), std::end(kMinContexts));
  if (ro.n_ctx > 0) min_contexts = {ro.n_ctx};
  int table_ctx = min_contexts.back();
  // The best candidate at the first context tier anything fits, then its context grown. With
  // `ignore_speed` (the fallback when nothing reaches the speed floor) the fastest that fits.
  const auto select = [&](bool ignore_speed) -> const Option* {
    const auto ok = [&](const Candidate& c) { return c.fits && (ignore_speed || c.fast_enough); };
    for (int min_ctx : min_contexts) {
      const Option* best = nullptr;
      Candidate best_c;
      for (const Option& o : options) {
        Candidate c = Evaluate(o, min_ctx, budget, bandwidth_gbs, ro.kv_cache_type);
        if (!ok(c)) continue;
        const bool better = best == nullptr || (ignore_speed ? c.max_tokens_per_second > best_c.max_tokens_per_second
                                                             : Better(o, c, *best, best_c));
        if (better) {
          best = &o;
          best_c = c;
        }
      }
      if (best == nullptr) continue;
      plan.pick = best_c;
      table_ctx = min_ctx;
      for (int grow : kGrowContexts) {
        if (ro.n_ctx > 0 || grow <= min_ctx) break;
        Candidate c = Evaluate(*best, grow, budget, bandwidth_gbs, ro.kv_cache_type);
        if (ok(c)) {
          plan.pick = c;
          break;
        }
      }
      return best;
    }
    return nullptr;
  };
  const Option* best = select(false);
  const bool too_slow = best == nullptr && bandwidth_gbs > 0 && (best = select(true)) != nullptr;
  for (const Option& o : options) plan.table.push_back(Evaluate(o, table_ctx, budget, bandwidth_gbs, ro.kv_cache_type));

  plan.reasoning.push_back("budget " + FormatGiB(budget) + ": " + plan.budget_reason);
  if (!plan.pick) {
    plan.reasoning.push_back("nothing fits in memory at a context of " + CtxName(table_ctx) + " (see the table)");
    return plan;
  }
  const Candidate& p = *plan.pick;
  const MemoryEstimate& m = p.memory;
  plan.reasoning.push_back("pick " + p.variant + " " + p.quant + " at " + CtxName(p.n_ctx) + " context: " +
                           FormatGiB(m.total()) + " = weights " + FormatGiB(m.weights) + " + KV cache " +
                           FormatGiB(m.kv) + " + buffers " + FormatGiB(m.compute + m.overhead));
  if (m.paged > 0) {
    plan.reasoning.push_back("the per-layer embedding table (" + FormatGiB(m.paged) +
                             ") is memory-mapped and read one row per token, so it is paged on demand and not counted");
  }
  if (too_slow) {
    plan.reasoning.push_back(Fmt("nothing that fits reaches %.0f tok/s with %.1f GB/s of memory bandwidth: this is the "
                                 "fastest that fits, at most %.1f tok/s",
                                 kMinTokensPerSecond, bandwidth_gbs, p.max_tokens_per_second));
  }
  // Why not the next larger variant: its smallest quant at the deciding context.
  const size_t next = best->variant + 1;
  for (const Option& o : options) {
    if (!too_slow && o.variant == next && o.quant == 0) {
      const Candidate c = Evaluate(o, table_ctx, budget, bandwidth_gbs, ro.kv_cache_type);
      plan.reasoning.push_back("not " + c.variant + " at " + CtxName(table_ctx) + ": even " + c.quant + " " + c.why);
    }
  }
  if (ro.n_ctx == 0 && table_ctx < kMinContexts[0]) {
    plan.reasoning.push_back("nothing fits a " + CtxName(kMinContexts[0]) + " context here, so the context is cut to " +
                             CtxName(table_ctx));
  } else if (p.n_ctx > table_ctx) {
    plan.reasoning.push_back("chosen at " + CtxName(table_ctx) + ", then the context grown to " + CtxName(p.n_ctx) +
                             ", the longest that still fits");
  }
  return plan;
}

nlohmann::ordered_json CandidateToJson(const Candidate& c) {
  return {{"variant", c.variant},
          {"quant", c.quant},
          {"n_ctx", c.n_ctx},
          {"total_bytes", c.memory.total()},
          {"weights_bytes", c.memory.weights},
          {"paged_bytes", c.memory.paged},
          {"kv_bytes", c.memory.kv},
          {"compute_bytes", c.memory.compute},
          {"overhead_bytes", c.memory.overhead},
          {"max_tokens_per_second", c.max_tokens_per_second},
          {"fits", c.fits},
          {"fast_enough", c.fast_enough},
          {"why", c.why}};
}

nlohmann::ordered_json PlanToJson(const Plan& p) {
  nlohmann::ordered_json j;
  j["target"] = p.target;
  j["budget_bytes"] = p.budget;
  j["pick"] = p.pick ? CandidateToJson(*p.pick) : nlohmann::ordered_json(nullptr);
  j["reasoning"] = p.reasoning;
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  for (const Candidate& c : p.table) table.push_back(CandidateToJson(c));
  j["candidates"] = table;
  return j;
}

void AppendPlanText(const Plan& p, const char* title, std::string& out) {
  out += std::string(title) + "\n";
  out += p.pick ? "  recommended: " + p.pick->variant + " " + p.pick->quant + ", context " + CtxName(p.pick->n_ctx) + "\n"
                : std::string("  recommended: nothing fits\n");
  for (const std::string& r : p.reasoning) out += "  - " + r + "\n";
  if (!p.table.empty()) out += "  candidates at " + CtxName(p.table.front().n_ctx) + " context:\n";
  for (const Candidate& c : p.table) {
    char line[64];
    std::snprintf(line, sizeof line, "    %-8s %-7s %-4s ", c.variant.c_str(), c.quant.c_str(), c.usable() ? "yes" : "no");
    out += line + c.why + "\n";
  }
}

}  // namespace

uint64_t CpuBudget(const HardwareInfo& hw) {
  // Keep room for the OS and the user's other programs: 1 GiB or a tenth of RAM, whichever is more.
  const uint64_t reserve = std::max<uint64_t>(kGiB, hw.ram_total / 10);
  return hw.ram_available > reserve ? hw.ram_available - reserve : 0;
}

uint64_t GpuBudget(const HardwareInfo& hw) {
  // Per GPU: free memory less the runtime's context and allocator slack (512 MiB or 5%).
  uint64_t total = 0;
  for (const GpuInfo& g : hw.gpus) {
    const uint64_t reserve = std::max<uint64_t>(512 * kMiB, g.memory_total / 20);
    total += g.memory_free > reserve ? g.memory_free - reserve : 0;
  }
  return total;
}

Result<Recommendation> Recommend(const HardwareInfo& hw, const RecommendOptions& ro) {
  if (ro.n_ctx < 0 || ro.n_ctx > (1 << 20)) return InvalidArgument("--ctx must be between 1 and 1048576");
  std::vector<Option> options;
  for (size_t v = 0; v < VariantNames().size(); ++v) {
    for (size_t q = 0; q < QuantNames().size(); ++q) {
      HEARTH_ASSIGN_OR_RETURN(ModelFootprint fp, FootprintOfVariant(VariantNames()[v], QuantNames()[q]));
      options.push_back({v, q, std::move(fp)});
    }
  }
  Recommendation r{.hardware = hw};
  const std::string ram_reason = "available RAM " + FormatGiB(hw.ram_available) + " of " + FormatGiB(hw.ram_total) +
                                 ", less " + FormatGiB(hw.ram_available - std::min(hw.ram_available, CpuBudget(hw))) +
                                 " kept for the system";
  Plan cpu = MakePlan("cpu", CpuBudget(hw), ram_reason, hw.memory_bandwidth_gbs, options, ro);
  if (hw.memory_bandwidth_gbs <= 0) {
    cpu.reasoning.push_back("memory bandwidth unknown: decode speed not checked");
  } else {
    cpu.reasoning.push_back(Fmt("decode speed bound: %.1f GB/s memory bandwidth / bytes read per token, at least %.0f tok/s wanted",
                                hw.memory_bandwidth_gbs, kMinTokensPerSecond));
  }
  if (hw.gpus.empty()) {
    r.primary = std::move(cpu);
    r.notes.push_back("no GPU reported (nvidia-smi absent or failing): planning for the CPU and RAM");
  } else {
    std::string gpu_reason = std::to_string(hw.gpus.size()) + " GPU(s), free VRAM less 5% (at least 512 MiB) each";
    if (hw.gpus.size() > 1) gpu_reason += "; layers split across the GPUs";
    // GPU bandwidth (hundreds of GB/s) is never the limit at these sizes: speed is not checked.
    r.primary = MakePlan("gpu", GpuBudget(hw), gpu_reason, 0, options, ro);
    r.cpu = std::move(cpu);
    r.notes.push_back(
        "hearth runs models on the CPU only today: the GPU plan says what fits your VRAM (for a GPU backend, or "
        "another runtime); the CPU plan is what hearth itself runs from RAM");
  }
  r.notes.push_back("K/V cache costed as hearth stores it: f32, sliding-window layers hold window + batch rows, "
                    "shared-KV layers none");
  return r;
}

nlohmann::ordered_json RecommendationToJson(const Recommendation& r) {
  nlohmann::ordered_json j;
  j["hardware"] = HardwareToJson(r.hardware);
  j["recommendation"] = PlanToJson(r.primary);
  if (r.cpu) j["cpu_today"] = PlanToJson(*r.cpu);
  j["notes"] = r.notes;
  return j;
}

std::string RecommendationToText(const Recommendation& r) {
  const HardwareInfo& hw = r.hardware;
  std::string out = "machine: " + (hw.cpu_model.empty() ? std::string("unknown CPU") : hw.cpu_model);
  out += " (" + std::to_string(hw.physical_cores) + " cores";
  for (const std::string& f : hw.cpu_features) out += " " + f;
  out += "), RAM " + FormatGiB(hw.ram_available) + " available of " + FormatGiB(hw.ram_total);
  if (hw.memory_bandwidth_gbs > 0) out += Fmt(", %.1f GB/s", hw.memory_bandwidth_gbs);
  out += "\n";
  for (const GpuInfo& g : hw.gpus) out += "gpu: " + g.name + ", " + FormatGiB(g.memory_free) + " free of " + FormatGiB(g.memory_total) + "\n";
  AppendPlanText(r.primary, r.primary.target == "gpu" ? "\nGPU plan:" : "\nplan:", out);
  if (r.cpu) AppendPlanText(*r.cpu, "\nCPU plan (what hearth runs today):", out);
  out += "\n";
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  return out;
}

}  // namespace hearth
