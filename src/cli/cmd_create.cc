// `hearth create NAME -f Modelfile` / `hearth create NAME --from FILE.gguf`: a new model in the
// store (store/create.h does the work; POST /api/create shares it). The GGUF is loaded as a
// Gemma 4 model before anything is written, so a bad file never gets a name.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "runtime/file_checks.h"
#include "store/atomic_file.h"
#include "store/create.h"
#include "store/model_store.h"
#include "store/modelfile.h"

namespace hearth::cli {
namespace {

namespace fs = std::filesystem;

struct CreateArgs {
  std::string name;
  std::string modelfile = "Modelfile";
  std::string from;
};

}  // namespace

RunFn AddCreateCommand(CLI::App& app) {
  auto a = std::make_shared<CreateArgs>();
  CLI::App* cmd = app.add_subcommand("create", "Create a model in the store from a Modelfile or a GGUF file");
  cmd->add_option("model", a->name, "New model name")->required();
  CLI::Option* file = cmd->add_option("-f,--file", a->modelfile, "Modelfile (default ./Modelfile)");
  cmd->add_option("--from", a->from, "GGUF file (or model name) to create from, instead of a Modelfile")
      ->excludes(file);
  return [a] {
    Result<store::ModelName> name = store::ParseModelName(a->name);
    if (!name) return Fail(name.error());
    store::Modelfile mf;
    fs::path dir = fs::current_path();
    if (!a->from.empty()) {
      mf.from = a->from;
    } else {
      Result<std::string> text = store::ReadWholeFile(a->modelfile);
      if (!text) return Fail(text.error());
      Result<store::Modelfile> parsed = store::ParseModelfile(*text);
      if (!parsed) return Fail(parsed.error().WithContext(a->modelfile));
      mf = std::move(*parsed);
      dir = fs::absolute(a->modelfile).parent_path();
    }
    Result<store::ModelStore> models = store::ModelStore::OpenDefault();
    if (!models) return Fail(models.error());
    const store::CreateHooks hooks{.check_model = CheckModelFile, .check_adapter = CheckAdapterFile};
    Result<store::Manifest> m = store::CreateModel(*models, *name, mf, dir.string(), hooks);
    if (!m) return Fail(m.error());
    std::printf("created %s\n", name->Display().c_str());
    return 0;
  };
}

}  // namespace hearth::cli
