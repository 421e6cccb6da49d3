// `hearth create NAME -f Modelfile` / `hearth create NAME --from FILE.gguf`: a new model in the
// store from a GGUF file or another model, plus Modelfile settings (PARAMETER, SYSTEM, TEMPLATE,
// LICENSE, MESSAGE, ADAPTER) stored as layers. The GGUF is loaded as a Gemma 4 model before
// anything is written, so a bad file never gets a name.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "gguf/gguf_reader.h"
#include "model/gemma4/gemma4_model.h"
#include "store/atomic_file.h"
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

// FROM is a file when it names one or looks like a path; otherwise a model name in the store.
bool LooksLikePath(const std::string& s) {
  return s.starts_with("/") || s.starts_with("./") || s.starts_with("../") || s.starts_with("~") ||
         s.ends_with(".gguf") || s.ends_with(".GGUF");
}

std::string Relative(const std::string& path, const fs::path& base) {
  if (path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : "") + path.substr(1);
  }
  return fs::path(path).is_absolute() ? path : (base / path).string();
}

Result<store::Manifest> BaseLayers(const store::ModelStore& models, const store::Modelfile& mf, const fs::path& dir) {
  const std::string path = Relative(mf.from, dir);
  std::error_code ec;
  if (fs::is_regular_file(path, ec) || LooksLikePath(mf.from)) {
    if (!fs::is_regular_file(path, ec)) return NotFound("FROM " + mf.from + ": no such file (" + path + ")");
    Result<std::unique_ptr<Gemma4Model>> model = Gemma4Model::Load(path);
    if (!model) return model.error().WithContext("FROM " + mf.from);
    store::Manifest m;
    HEARTH_ASSIGN_OR_RETURN(store::Layer layer, models.ImportFile(path, store::kMediaModel));
    layer.from = fs::path(path).filename().string();
    m.layers.push_back(layer);
    return m;
  }
  HEARTH_ASSIGN_OR_RETURN(store::ModelName base, store::ParseModelName(mf.from));
  Result<store::Manifest> m = models.ReadManifest(base);
  if (!m) return m.error().WithContext("FROM");
  return m;
}

Result<store::Manifest> Build(const store::ModelStore& models, const store::Modelfile& mf, const fs::path& dir) {
  HEARTH_ASSIGN_OR_RETURN(store::Manifest m, BaseLayers(models, mf, dir));
  for (const std::string& adapter : mf.adapters) {
    const std::string path = Relative(adapter, dir);
    Result<GgufFile> gguf = GgufFile::Open(path);
    if (!gguf) return gguf.error().WithContext("ADAPTER " + adapter);
    HEARTH_ASSIGN_OR_RETURN(store::Layer layer, models.ImportFile(path, store::kMediaAdapter));
    layer.from = fs::path(path).filename().string();
    m.SetLayer(layer);
  }
  auto put_text = [&](bool has, const std::string& text, std::string_view media) -> Status {
    if (!has) return Status::Ok();
    HEARTH_ASSIGN_OR_RETURN(store::Layer layer, models.PutBytes(text, media));
    m.SetLayer(layer);
    return Status::Ok();
  };
  HEARTH_RETURN_IF_ERROR(put_text(mf.has_system, mf.system, store::kMediaSystem));
  HEARTH_RETURN_IF_ERROR(put_text(mf.has_template, mf.template_text, store::kMediaTemplate));
  HEARTH_RETURN_IF_ERROR(put_text(mf.has_license, mf.license, store::kMediaLicense));
  if (!mf.parameters.empty()) {
    HEARTH_ASSIGN_OR_RETURN(std::string params, store::ParametersJson(mf.parameters));
    HEARTH_RETURN_IF_ERROR(put_text(true, params, store::kMediaParams));
  }
  HEARTH_RETURN_IF_ERROR(put_text(!mf.messages.empty(), store::MessagesJson(mf.messages), store::kMediaMessages));
  const nlohmann::ordered_json config = {{"model_format", "gguf"}, {"model_family", "gemma4"},
                                         {"model_families", {"gemma4"}}, {"parent_model", mf.from}};
  HEARTH_ASSIGN_OR_RETURN(m.config, models.PutBytes(config.dump(), store::kMediaConfig));
  return m;
}

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
    Result<store::Manifest> m = Build(*models, mf, dir);
    if (!m) return Fail(m.error());
    Result<store::FileLock> lock = models->LockStore();
    if (!lock) return Fail(lock.error());
    if (Status st = models->WriteManifest(*name, *m); !st.ok()) return Fail(st);
    std::printf("created %s\n", name->Display().c_str());
    return 0;
  };
}

}  // namespace hearth::cli
