// `hearth make-test-model`: writes a random-weight Gemma 4 GGUF (see model/gemma4/gemma4_test_model.h).
#include <cstdio>

#include "cli/command.h"
#include "model/gemma4/gemma4_test_model.h"

namespace hearth::cli {

RunFn AddMakeTestModelCommand(CLI::App& app) {
  auto opts = std::make_shared<TestModelOptions>();
  auto ctx = std::make_shared<int>(0), window = std::make_shared<int>(0), layers = std::make_shared<int>(0),
       embd = std::make_shared<int>(0), ff = std::make_shared<int>(0);
  CLI::App* cmd = app.add_subcommand("make-test-model", "Write a random-weight Gemma 4 GGUF for tests and benchmarks");
  std::string presets;
  for (const std::string& p : TestModelPresets()) presets += (presets.empty() ? "" : ", ") + p;
  cmd->add_option("--preset", opts->preset, "Shape: " + presets)->capture_default_str();
  cmd->add_option("--type", opts->type, "Weight type: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q4_k_m q5_k q5_k_m q6_k iq4_nl iq4_xs")
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Random seed")->capture_default_str();
  cmd->add_option("--ctx", *ctx, "Override context_length")->check(CLI::PositiveNumber);
  cmd->add_option("--window", *window, "Override the sliding window")->check(CLI::PositiveNumber);
  cmd->add_option("--layers", *layers, "Override the layer count")->check(CLI::PositiveNumber);
  cmd->add_option("--embd", *embd, "Override the embedding width")->check(CLI::PositiveNumber);
  cmd->add_option("--ff", *ff, "Override the dense FFN width of every layer")->check(CLI::PositiveNumber);
  cmd->add_option("--vocab", opts->vocab_path, "GGUF to copy the tokenizer from (e.g. the real Gemma 4 vocab)")->required();
  cmd->add_option("--out", opts->out_path, "Output GGUF path")->required();
  return [=]() {
    if (*ctx) opts->ctx = *ctx;
    if (*window) opts->window = *window;
    if (*layers) opts->n_layer = *layers;
    if (*embd) opts->n_embd = *embd;
    if (*ff) opts->n_ff = *ff;
    Result<uint64_t> bytes = WriteTestModel(*opts);
    if (!bytes) return Fail(bytes.error());
    std::printf("wrote %s (%s, %s, %.1f MiB of tensors)\n", opts->out_path.c_str(), opts->preset.c_str(),
                opts->type.c_str(), static_cast<double>(*bytes) / (1 << 20));
    return 0;
  };
}

}  // namespace hearth::cli
