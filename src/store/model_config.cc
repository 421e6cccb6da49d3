#include "store/model_config.h"

#include <optional>

#include "store/atomic_file.h"

namespace hearth::store {
namespace {

// The text of the manifest's first layer of `media_type`, or nullopt when it has none.
Result<std::optional<std::string>> LayerText(const ModelStore& store, const Manifest& m, std::string_view media_type,
                                             const ModelName& name) {
  const Layer* layer = m.Find(media_type);
  if (layer == nullptr) return std::optional<std::string>();
  const std::optional<std::string> hex = DigestHex(layer->digest);
  if (!hex || !store.HasBlob(*hex)) {
    return NotFound("model '" + name.Display() + "': blob " + layer->digest + " (" + std::string(media_type) +
                    ") is missing");
  }
  HEARTH_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(store.BlobPath(*hex)));
  return std::optional<std::string>(std::move(text));
}

Result<nlohmann::json> ParseLayerJson(const std::string& text, bool want_object, const std::string& what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || (want_object ? !j.is_object() : !j.is_array())) {
    return Status(StatusCode::kCorruptFile, what + " layer is not a JSON " + (want_object ? "object" : "array"));
  }
  return j;
}

}  // namespace

Result<ModelConfig> LoadModelConfig(const ModelStore& store, const ModelName& name) {
  ModelConfig c;
  HEARTH_ASSIGN_OR_RETURN(c.model_path, store.ModelPath(name));
  HEARTH_ASSIGN_OR_RETURN(const Manifest m, store.ReadManifest(name));
  const std::string who = "model '" + name.Display() + "': ";
  HEARTH_ASSIGN_OR_RETURN(std::optional<std::string> system, LayerText(store, m, kMediaSystem, name));
  if (system) {
    c.system = std::move(*system);
    c.has_system = true;
  }
  HEARTH_ASSIGN_OR_RETURN(std::optional<std::string> tmpl, LayerText(store, m, kMediaTemplate, name));
  if (tmpl) c.template_text = std::move(*tmpl);
  HEARTH_ASSIGN_OR_RETURN(std::optional<std::string> params, LayerText(store, m, kMediaParams, name));
  if (params) {
    HEARTH_ASSIGN_OR_RETURN(c.parameters, ParseLayerJson(*params, true, who + "params"));
  }
  HEARTH_ASSIGN_OR_RETURN(std::optional<std::string> messages, LayerText(store, m, kMediaMessages, name));
  if (messages) {
    HEARTH_ASSIGN_OR_RETURN(c.messages, ParseLayerJson(*messages, false, who + "messages"));
  }
  return c;
}

}  // namespace hearth::store
