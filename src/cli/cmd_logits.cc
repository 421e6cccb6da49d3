// `hearth logits`: the raw logits of a token sequence, for conformance checks against llama.cpp.
// Writes little-endian float32 rows of n_vocab (every position with --all, else the last) and
// prints {"n_tokens":N,"n_vocab":V,"rows":R}.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "kernels/gelu_numerics.h"
#include "model/gemma4/gemma4_model.h"

namespace hearth::cli {
namespace {

struct LogitsArgs {
  std::string model, tokens, out, kernels = "fast", numerics = "exact", kv_cache_type;
  bool all = false;
  int threads = 0;
};

Result<std::vector<int32_t>> ParseTokenList(const std::string& text) {
  std::vector<int32_t> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) return InvalidArgument("--tokens: empty item in '" + text + "'");
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < 0 || v > INT32_MAX) return InvalidArgument("--tokens: '" + item + "' is not a token id");
    ids.push_back(static_cast<int32_t>(v));
  }
  if (ids.empty()) return InvalidArgument("--tokens: no token ids given");
  return ids;
}

int Run(const LogitsArgs& a) {
  Result<GgmlType> kv_type = ResolveKvCacheType(a.kv_cache_type);
  if (!kv_type) return Fail(kv_type.error());
  Result<std::vector<int32_t>> tokens = ParseTokenList(a.tokens);
  if (!tokens) return Fail(tokens.error());
  Result<std::unique_ptr<Gemma4Model>> model = Gemma4Model::Load(a.model);
  if (!model) return Fail(model.error());
  const Gemma4Model& m = **model;
  const KernelMode mode = a.kernels == "reference" ? KernelMode::kReference : KernelMode::kFast;
  SetGeluNumerics(a.numerics == "ggml" ? GeluNumerics::kGgmlF16Table : GeluNumerics::kExact);
  ThreadPool pool(a.threads > 0 ? a.threads : ThreadPool::DefaultThreadCount());
  const int n = static_cast<int>(tokens->size());
  constexpr int kBatch = 512;
  std::unique_ptr<KvCache> cache = m.NewCache(n, kBatch, Gemma4Model::KvCacheTypeFor(mode, *kv_type));
  std::FILE* out = std::fopen(a.out.c_str(), "wb");
  if (out == nullptr) return Fail(IoError(a.out + ": cannot create"));
  const size_t V = static_cast<size_t>(m.n_vocab());
  int rows_written = 0;
  for (int start = 0; start < n; start += kBatch) {
    const int count = std::min(kBatch, n - start);
    std::vector<int> rows;
    for (int i = 0; i < count; ++i) {
      if (a.all || start + i == n - 1) rows.push_back(i);
    }
    std::vector<float> logits(rows.size() * V);
    Status st = m.Forward(std::span<const int32_t>(tokens->data() + start, static_cast<size_t>(count)), *cache, rows,
                          logits.data(), pool, mode);
    if (!st.ok()) {
      std::fclose(out);
      return Fail(st);
    }
    if (std::fwrite(logits.data(), sizeof(float), logits.size(), out) != logits.size()) {
      std::fclose(out);
      return Fail(IoError(a.out + ": write failed"));
    }
    rows_written += static_cast<int>(rows.size());
  }
  if (std::fclose(out) != 0) return Fail(IoError(a.out + ": close failed"));
  nlohmann::json j = {{"n_tokens", n}, {"n_vocab", m.n_vocab()}, {"rows", rows_written}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace

RunFn AddLogitsCommand(CLI::App& app) {
  auto a = std::make_shared<LogitsArgs>();
  CLI::App* cmd = app.add_subcommand("logits", "Write the logits of a token sequence (float32 rows of n_vocab)");
  cmd->add_option("--model", a->model, "GGUF model file")->required();
  cmd->add_option("--tokens", a->tokens, "Comma-separated token ids, e.g. 2,818,5279")->required();
  cmd->add_flag("--all", a->all, "Write every position's logits (default: the last only)");
  cmd->add_option("--out", a->out, "Output file (.f32)")->required();
  cmd->add_option("--threads,-t", a->threads, "Threads (default: physical cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--kernels", a->kernels, "fast, or reference (scalar kernels, f32 activations and K/V cache)")
      ->check(CLI::IsMember({"fast", "reference"}))
      ->capture_default_str();
  cmd->add_option("--numerics", a->numerics,
                  "exact, or ggml: GELU through llama.cpp's f16 lookup table, to compare with llama.cpp at its "
                  "own noise level (kernels/gelu_numerics.h)")
      ->check(CLI::IsMember({"exact", "ggml"}))
      ->capture_default_str();
  AddKvCacheTypeOption(cmd, a->kv_cache_type);
  return [a] { return Run(*a); };
}

}  // namespace hearth::cli
