// Renders a chat conversation with a GGUF chat template (Jinja) into the prompt text.
// Owns request normalisation (OpenAI/Ollama message shapes -> what Gemma 4 templates expect);
// does not tokenize. See /work/shared/spec/gemma4-chat-format.md §3.1 and §9.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hearth {

struct ChatRenderOptions {
  bool add_generation_prompt = true;
  std::optional<bool> enable_thinking;  // unset: the variable is undefined in the template
  std::string bos_token = "<bos>";
  std::string eos_token = "<eos>";
  // Extra template variables (chat_template_kwargs, e.g. preserve_thinking); an object or null.
  nlohmann::ordered_json extra_kwargs;
  // Apply NormalizeChatMessages/NormalizeChatTools first. Off only to render raw inputs.
  bool normalize = true;
};

// OpenAI/Ollama -> template shape: tool-call `arguments` strings parsed to objects, `thinking`
// copied to `reasoning_content`, Ollama `tool_name` to `name`, media parts (image_url,
// input_audio, video_url) to {type:image|audio|video}, content null on tool-calling messages to "".
[[nodiscard]] Result<nlohmann::ordered_json> NormalizeChatMessages(const nlohmann::ordered_json& messages);
// parameters without "type" get "type":"object"; ["T","null"] type unions become T + nullable.
[[nodiscard]] Result<nlohmann::ordered_json> NormalizeChatTools(const nlohmann::ordered_json& tools);

// tools: an array (possibly empty) or null (then the `tools` variable is undefined).
[[nodiscard]] Result<std::string> RenderChat(std::string_view template_source, const nlohmann::ordered_json& messages,
                                             const nlohmann::ordered_json& tools, const ChatRenderOptions& opts);

}  // namespace hearth
