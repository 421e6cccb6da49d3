#include "store/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/sha256.h"

namespace hearth::store {
namespace {

nlohmann::ordered_json LayerJson(const Layer& l) {
  nlohmann::ordered_json j = {{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.size}};
  if (!l.from.empty()) j["from"] = l.from;
  return j;
}

Result<Layer> ParseLayer(const nlohmann::json& j) {
  if (!j.is_object()) return CorruptFile("manifest layer is not an object");
  const auto media = j.find("mediaType");
  const auto digest = j.find("digest");
  const auto size = j.find("size");
  if (media == j.end() || !media->is_string()) return CorruptFile("manifest layer without mediaType");
  if (digest == j.end() || !digest->is_string() || !DigestHex(digest->get<std::string>())) {
    return CorruptFile("manifest layer without a sha256 digest");
  }
  if (size == j.end() || !size->is_number_unsigned()) return CorruptFile("manifest layer without a size");
  Layer l{media->get<std::string>(), digest->get<std::string>(), size->get<uint64_t>(), ""};
  if (const auto from = j.find("from"); from != j.end() && from->is_string()) l.from = from->get<std::string>();
  return l;
}

}  // namespace

std::optional<std::string> DigestHex(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!digest.starts_with(kPrefix) || !IsSha256Hex(digest.substr(kPrefix.size()))) return std::nullopt;
  return std::string(digest.substr(kPrefix.size()));
}

const Layer* Manifest::Find(std::string_view media_type) const {
  for (const Layer& l : layers) {
    if (l.media_type == media_type) return &l;
  }
  return nullptr;
}

void Manifest::SetLayer(Layer layer) {
  std::erase_if(layers, [&](const Layer& l) { return l.media_type == layer.media_type; });
  layers.push_back(std::move(layer));
}

uint64_t Manifest::TotalSize() const {
  uint64_t total = config.size;
  for (const Layer& l : layers) total += l.size;
  return total;
}

std::string Manifest::ToJson() const {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json";
  j["config"] = LayerJson(config);
  j["layers"] = nlohmann::ordered_json::array();
  for (const Layer& l : layers) j["layers"].push_back(LayerJson(l));
  return j.dump(1) + "\n";
}

Result<Manifest> Manifest::FromJson(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return CorruptFile("manifest is not a JSON object");
  // find, not value(): value() throws when the field holds another type.
  const auto version = j.find("schemaVersion");
  if (version == j.end() || !version->is_number_integer() || *version != 2) {
    return CorruptFile("manifest schemaVersion is not 2");
  }
  const auto config = j.find("config");
  const auto layers = j.find("layers");
  if (config == j.end()) return CorruptFile("manifest without config");
  if (layers == j.end() || !layers->is_array()) return CorruptFile("manifest without layers");
  Manifest m;
  HEARTH_ASSIGN_OR_RETURN(m.config, ParseLayer(*config));
  for (const nlohmann::json& l : *layers) {
    HEARTH_ASSIGN_OR_RETURN(Layer layer, ParseLayer(l));
    m.layers.push_back(std::move(layer));
  }
  return m;
}

}  // namespace hearth::store
