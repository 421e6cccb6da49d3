// `hearth recommend`: detects (or reads, --hardware) the machine and prints which Gemma 4
// variant, quant and context fit it, with the memory arithmetic; --model costs one GGUF file
// instead of the released variants. The planning itself lives in src/hw.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "hw/detect.h"
#include "hw/recommend.h"

namespace hearth::cli {
namespace {

struct RecommendArgs {
  bool json = false;
  std::string hardware;
  std::string model, kv_cache_type;
  int n_ctx = 0;
};

// --model: the estimate for one file at --ctx (default 4096) against the RAM budget.
int RunModel(const RecommendArgs& a, const HardwareInfo& hw, GgmlType kv_type) {
  Result<std::unique_ptr<Gemma4Model>> model = Gemma4Model::Load(a.model);
  if (!model) return Fail(model.error());
  const ModelFootprint fp = FootprintOfModel(**model);
  const int n_ctx = a.n_ctx > 0 ? a.n_ctx : 4096;
  const MemoryEstimate m = EstimateMemory(fp, n_ctx, 512, kv_type);
  const Status fits = CheckFits(fp, n_ctx, CpuBudget(hw), kv_type);
  nlohmann::ordered_json j;
  j["hardware"] = HardwareToJson(hw);
  j["model"] = {{"file", a.model},
                {"n_ctx", n_ctx},
                {"n_params", fp.n_params},
                {"total_bytes", m.total()},
                {"weights_bytes", m.weights},
                {"paged_bytes", m.paged},
                {"kv_bytes", m.kv},
                {"kv_cache_type", DtypeName(kv_type)},
                {"compute_bytes", m.compute},
                {"overhead_bytes", m.overhead},
                {"budget_bytes", CpuBudget(hw)},
                {"fits", fits.ok()},
                {"why", fits.ok() ? "fits in " + FormatGiB(CpuBudget(hw)) : fits.message()}};
  if (a.json) {
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("%s at %d tokens: %s = weights %s + KV cache %s + buffers %s (+ %s paged on demand)\n%s\n",
              a.model.c_str(), n_ctx, FormatGiB(m.total()).c_str(), FormatGiB(m.weights).c_str(),
              FormatGiB(m.kv).c_str(), FormatGiB(m.compute + m.overhead).c_str(), FormatGiB(m.paged).c_str(),
              j["model"]["why"].get<std::string>().c_str());
  return 0;
}

}  // namespace

RunFn AddRecommendCommand(CLI::App& app) {
  auto a = std::make_shared<RecommendArgs>();
  CLI::App* cmd = app.add_subcommand("recommend", "Which Gemma 4 variant, quant and context fit this machine");
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->add_option("--hardware", a->hardware, "Plan for the machine described in this JSON file instead of detecting");
  cmd->add_option("--ctx", a->n_ctx, "Plan for exactly this context length")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--model,-m", a->model, "Estimate the memory of this GGUF file instead of the released variants");
  AddKvCacheTypeOption(cmd, a->kv_cache_type);
  return [a] {
    Result<GgmlType> kv_type = ResolveKvCacheType(a->kv_cache_type);
    if (!kv_type) return Fail(kv_type.error());
    Result<HardwareInfo> hw = a->hardware.empty() ? DetectHardware() : LoadHardwareFile(a->hardware);
    if (!hw) return Fail(hw.error());
    if (!a->model.empty()) return RunModel(*a, *hw, *kv_type);
    Result<Recommendation> r = Recommend(*hw, RecommendOptions{.n_ctx = a->n_ctx, .kv_cache_type = *kv_type});
    if (!r) return Fail(r.error());
    if (a->json) {
      std::printf("%s\n", RecommendationToJson(*r).dump(1).c_str());
    } else {
      std::printf("%s", RecommendationToText(*r).c_str());
    }
    return 0;
  };
}

}  // namespace hearth::cli
