// Manifests (Docker v2 schema, as Ollama writes them, spec §3.4): a config blob plus layers, each
// a content-addressed blob with its media type. A model's ID is the sha256 of its manifest bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::store {

inline constexpr std::string_view kMediaModel = "application/vnd.ollama.image.model";
inline constexpr std::string_view kMediaProjector = "application/vnd.ollama.image.projector";
inline constexpr std::string_view kMediaAdapter = "application/vnd.ollama.image.adapter";
inline constexpr std::string_view kMediaTemplate = "application/vnd.ollama.image.template";
inline constexpr std::string_view kMediaSystem = "application/vnd.ollama.image.system";
inline constexpr std::string_view kMediaParams = "application/vnd.ollama.image.params";
inline constexpr std::string_view kMediaMessages = "application/vnd.ollama.image.messages";
inline constexpr std::string_view kMediaLicense = "application/vnd.ollama.image.license";
inline constexpr std::string_view kMediaConfig = "application/vnd.docker.container.image.v1+json";

struct Layer {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  uint64_t size = 0;
  std::string from;    // where it came from (file name on the Hub, or a local path); informational

  bool operator==(const Layer&) const = default;
};

struct Manifest {
  Layer config;
  std::vector<Layer> layers;

  // The first layer of a media type, or nullptr.
  const Layer* Find(std::string_view media_type) const;
  // Replaces every layer of `layer.media_type` with `layer` (Modelfile lines override FROM).
  void SetLayer(Layer layer);
  uint64_t TotalSize() const;

  std::string ToJson() const;
  // Strict: every digest must be sha256:<64 hex>, every size a number.
  static Result<Manifest> FromJson(std::string_view text);

  bool operator==(const Manifest&) const = default;
};

// "sha256:<hex>" -> "<hex>" when well formed.
std::optional<std::string> DigestHex(std::string_view digest);

}  // namespace hearth::store
