// `hearth pull NAME`: fetches a GGUF from Hugging Face into the store (src/store/pull.h); an
// untagged gemma4 becomes a size for this machine (cli/model_ref.h).
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/model_ref.h"
#include "store/progress.h"
#include "store/pull.h"

namespace hearth::cli {

RunFn AddPullCommand(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "pull", "Download a model from Hugging Face: hf.co/ORG/REPO[:QUANT] or gemma4[:e2b|e4b|26b|31b] (no tag: the "
      "size recommended for this machine)");
  cmd->add_option("model", *name, "Model name")->required();
  return [name] {
    Result<store::ModelStore> models = store::ModelStore::OpenDefault();
    if (!models) return Fail(models.error());
    Result<store::PullTarget> target = ChoosePullTarget(*name, *models);
    if (!target) return Fail(target.error());
    Result<store::Manifest> m = store::Pull(*models, store::HubConfig::FromEnv(), *target);
    if (!m) return Fail(m.error());
    std::printf("pulled %s (%s)\n", target->name.Display().c_str(),
                store::ProgressBar::FormatBytes(m->TotalSize()).c_str());
    return 0;
  };
}

}  // namespace hearth::cli
