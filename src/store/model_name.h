// Model names in Ollama's grammar: [host/][namespace/]model[:tag] (spec §3.5), defaults
// registry.ollama.ai / library / latest. A parsed name maps to a manifest path inside the store,
// so every part is checked against a strict character set first: no `..`, no `/` inside a part,
// no absolute paths, no control or non-ASCII bytes can ever reach the file system.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::store {

inline constexpr std::string_view kDefaultHost = "registry.ollama.ai";
inline constexpr std::string_view kDefaultNamespace = "library";
inline constexpr std::string_view kDefaultTag = "latest";
// Hugging Face names: `hf.co` and `huggingface.co` are the same host; we store both as hf.co.
inline constexpr std::string_view kHfHost = "hf.co";

struct ModelName {
  std::string host;
  std::string name_space;  // `namespace` is a keyword
  std::string model;
  std::string tag;
  bool tag_given = false;  // false when the name had no `:tag` and `latest` was filled in

  // Short form: default host and namespace dropped (`gemma4:latest`, `hf.co/org/repo:Q4_K_M`).
  std::string Display() const;
  // host/namespace/model/tag, lower-cased: names compare case-insensitively (as in Ollama), so
  // `Gemma4` and `gemma4` are the same model on every file system.
  std::string ManifestRelPath() const;
  bool IsHuggingFace() const { return host == kHfHost; }
};

// Parses and validates; the error says which part is wrong and why.
Result<ModelName> ParseModelName(std::string_view text);

}  // namespace hearth::store
