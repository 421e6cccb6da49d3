// Modelfile parser (Ollama's format): one instruction per line, keywords case-insensitive —
//   FROM <path.gguf | model name>      ADAPTER <path>          PARAMETER <key> <value>
//   SYSTEM <text>   TEMPLATE <text>    LICENSE <text>          MESSAGE <user|assistant|system> <text>
// Text may be "quoted" or span lines inside """triple quotes"""; `#` starts a comment line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hearth::store {

struct ModelfileMessage {
  std::string role;
  std::string content;
  bool operator==(const ModelfileMessage&) const = default;
};

struct Modelfile {
  std::string from;
  std::vector<std::string> adapters;
  std::vector<std::pair<std::string, std::string>> parameters;  // in file order; keys lower-cased
  std::string system, template_text, license;
  bool has_system = false, has_template = false, has_license = false;
  std::vector<ModelfileMessage> messages;
};

Result<Modelfile> ParseModelfile(std::string_view text);

// PARAMETER lines as the JSON object of a params layer: numbers typed per key, `stop` collected
// into an array. Unknown keys and unparsable values are errors naming the key.
Result<std::string> ParametersJson(const std::vector<std::pair<std::string, std::string>>& parameters);
// MESSAGE lines as the JSON array of a messages layer.
std::string MessagesJson(const std::vector<ModelfileMessage>& messages);

}  // namespace hearth::store
