#include "store/create.h"

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "store/atomic_file.h"

namespace hearth::store {
namespace {

namespace fs = std::filesystem;

std::string Resolve(const std::string& path, const fs::path& base) {
  if (path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : "") + path.substr(1);
  }
  return fs::path(path).is_absolute() ? path : (base / path).string();
}

void Say(const CreateHooks& hooks, std::string_view status) {
  if (hooks.on_status) hooks.on_status(status);
}

Result<Layer> Import(const ModelStore& store, const std::string& path, std::string_view media,
                     const CreateHooks& hooks) {
  HEARTH_ASSIGN_OR_RETURN(Layer layer, store.ImportFile(path, media));
  layer.from = fs::path(path).filename().string();
  Say(hooks, "using layer " + layer.digest);
  return layer;
}

Result<Manifest> BaseLayers(const ModelStore& store, const Modelfile& mf, const fs::path& dir,
                            const CreateHooks& hooks) {
  const std::string path = Resolve(mf.from, dir);
  std::error_code ec;
  if (fs::is_regular_file(path, ec) || FromLooksLikePath(mf.from)) {
    if (!fs::is_regular_file(path, ec)) return NotFound("FROM " + mf.from + ": no such file (" + path + ")");
    Say(hooks, "parsing GGUF");
    if (hooks.check_model) HEARTH_RETURN_IF_ERROR(hooks.check_model(path).WithContext("FROM " + mf.from));
    Manifest m;
    HEARTH_ASSIGN_OR_RETURN(Layer layer, Import(store, path, kMediaModel, hooks));
    m.layers.push_back(layer);
    return m;
  }
  HEARTH_ASSIGN_OR_RETURN(ModelName base, ParseModelName(mf.from));
  Result<Manifest> m = store.ReadManifest(base);
  if (!m) return m.error().WithContext("FROM");
  for (const Layer& layer : m->layers) Say(hooks, "using existing layer " + layer.digest);
  return m;
}

// The config of the model created FROM (its file_type, source...) carried over, or a fresh one
// for a GGUF file.
Result<nlohmann::ordered_json> BaseConfig(const ModelStore& store, const Manifest& base) {
  nlohmann::ordered_json config = {
      {"model_format", "gguf"}, {"model_family", "gemma4"}, {"model_families", {"gemma4"}}};
  const std::optional<std::string> hex = DigestHex(base.config.digest);
  if (!hex || !store.HasBlob(*hex)) return config;
  HEARTH_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(store.BlobPath(*hex)));
  nlohmann::ordered_json old = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (old.is_object()) config.update(old);
  return config;
}

}  // namespace

bool FromLooksLikePath(const std::string& from) {
  return from.starts_with("/") || from.starts_with("./") || from.starts_with("../") || from.starts_with("~") ||
         from.ends_with(".gguf") || from.ends_with(".GGUF");
}

Result<Manifest> CreateModel(const ModelStore& store, const ModelName& name, const Modelfile& mf,
                             const std::string& base_dir, const CreateHooks& hooks) {
  const fs::path dir(base_dir);
  HEARTH_ASSIGN_OR_RETURN(Manifest m, BaseLayers(store, mf, dir, hooks));
  for (const std::string& adapter : mf.adapters) {
    const std::string path = Resolve(adapter, dir);
    if (hooks.check_adapter) HEARTH_RETURN_IF_ERROR(hooks.check_adapter(path).WithContext("ADAPTER " + adapter));
    HEARTH_ASSIGN_OR_RETURN(Layer layer, Import(store, path, kMediaAdapter, hooks));
    m.SetLayer(layer);
  }
  auto put_text = [&](bool has, const std::string& text, std::string_view media) -> Status {
    if (!has) return Status::Ok();
    HEARTH_ASSIGN_OR_RETURN(Layer layer, store.PutBytes(text, media));
    Say(hooks, "using layer " + layer.digest);
    m.SetLayer(layer);
    return Status::Ok();
  };
  HEARTH_RETURN_IF_ERROR(put_text(mf.has_system, mf.system, kMediaSystem));
  HEARTH_RETURN_IF_ERROR(put_text(mf.has_template, mf.template_text, kMediaTemplate));
  HEARTH_RETURN_IF_ERROR(put_text(mf.has_license, mf.license, kMediaLicense));
  if (!mf.parameters.empty()) {
    HEARTH_ASSIGN_OR_RETURN(std::string params, ParametersJson(mf.parameters));
    HEARTH_RETURN_IF_ERROR(put_text(true, params, kMediaParams));
  }
  HEARTH_RETURN_IF_ERROR(put_text(!mf.messages.empty(), MessagesJson(mf.messages), kMediaMessages));
  HEARTH_ASSIGN_OR_RETURN(nlohmann::ordered_json config, BaseConfig(store, m));
  config["parent_model"] = mf.from;
  HEARTH_ASSIGN_OR_RETURN(m.config, store.PutBytes(config.dump(), kMediaConfig));
  Say(hooks, "writing manifest");
  HEARTH_ASSIGN_OR_RETURN(FileLock lock, store.LockStore());
  HEARTH_RETURN_IF_ERROR(store.WriteManifest(name, m));
  return m;
}

}  // namespace hearth::store
