// Chat rendering: normalise an OpenAI/Ollama-style request, then run the Jinja template.
#include "chat/chat_template.h"

#include "chat/jinja.h"

namespace hearth {
namespace {

using json = nlohmann::ordered_json;

void NormalizeContentParts(json& content) {
  if (!content.is_array()) return;
  for (json& part : content) {
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) continue;
    const std::string type = part["type"].get<std::string>();
    if (type == "image_url" || type == "input_image") part["type"] = "image";
    if (type == "input_audio" || type == "audio_url") part["type"] = "audio";
    if (type == "video_url" || type == "input_video") part["type"] = "video";
  }
}

Status NormalizeMessage(json& m, size_t index) {
  if (!m.is_object()) return InvalidArgument("messages[" + std::to_string(index) + "]: not an object");
  if (m.contains("thinking") && !m.contains("reasoning_content")) m["reasoning_content"] = m["thinking"];
  if (m.contains("tool_name") && !m.contains("name")) m["name"] = m["tool_name"];
  if (m.contains("content")) NormalizeContentParts(m["content"]);
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    if (m.contains("content") && m["content"].is_null()) m["content"] = "";
    for (json& call : m["tool_calls"]) {
      if (!call.is_object()) continue;
      json* fn = call.contains("function") && call["function"].is_object() ? &call["function"] : &call;
      if (fn->contains("arguments") && (*fn)["arguments"].is_string()) {
        const std::string& text = (*fn)["arguments"].get_ref<const std::string&>();
        json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) {
          return InvalidArgument("messages[" + std::to_string(index) + "]: tool call arguments are not valid JSON");
        }
        (*fn)["arguments"] = std::move(parsed);
      }
    }
  }
  return Status::Ok();
}

void NormalizeSchema(json& schema, int depth) {
  if (depth > 64 || !schema.is_object()) return;
  if (schema.contains("type") && schema["type"].is_array()) {
    json types = schema["type"];
    std::string first;
    bool has_null = false;
    for (const json& t : types) {
      if (!t.is_string()) continue;
      if (t.get<std::string>() == "null") {
        has_null = true;
      } else if (first.empty()) {
        first = t.get<std::string>();
      }
    }
    schema["type"] = first.empty() ? "string" : first;
    if (has_null) schema["nullable"] = true;
  }
  if (schema.contains("properties") && schema["properties"].is_object()) {
    for (auto& [k, v] : schema["properties"].items()) NormalizeSchema(v, depth + 1);
  }
  if (schema.contains("items")) NormalizeSchema(schema["items"], depth + 1);
}

}  // namespace

Result<nlohmann::ordered_json> NormalizeChatMessages(const nlohmann::ordered_json& messages) {
  if (!messages.is_array()) return InvalidArgument("messages: expected an array");
  json out = messages;
  for (size_t i = 0; i < out.size(); ++i) HEARTH_RETURN_IF_ERROR(NormalizeMessage(out[i], i));
  return out;
}

Result<nlohmann::ordered_json> NormalizeChatTools(const nlohmann::ordered_json& tools) {
  if (tools.is_null()) return tools;
  if (!tools.is_array()) return InvalidArgument("tools: expected an array");
  json out = tools;
  for (json& tool : out) {
    if (!tool.is_object() || !tool.contains("function") || !tool["function"].is_object()) continue;
    json& fn = tool["function"];
    if (fn.contains("parameters") && fn["parameters"].is_object()) {
      json& params = fn["parameters"];
      if (!params.empty() && !params.contains("type")) params["type"] = "object";
      NormalizeSchema(params, 0);
    }
  }
  return out;
}

Result<std::string> RenderChat(std::string_view template_source, const nlohmann::ordered_json& messages,
                               const nlohmann::ordered_json& tools, const ChatRenderOptions& opts) {
  json msgs = messages;
  json tls = tools;
  if (opts.normalize) {
    HEARTH_ASSIGN_OR_RETURN(msgs, NormalizeChatMessages(messages));
    HEARTH_ASSIGN_OR_RETURN(tls, NormalizeChatTools(tools));
  }
  // Same variables, in the same order, as the reference renderer was given.
  json ctx = json::object();
  if (opts.extra_kwargs.is_object()) {
    for (auto it = opts.extra_kwargs.begin(); it != opts.extra_kwargs.end(); ++it) ctx[it.key()] = it.value();
  }
  ctx["bos_token"] = opts.bos_token;
  ctx["eos_token"] = opts.eos_token;
  ctx["messages"] = msgs;
  if (!tls.is_null()) ctx["tools"] = tls;
  if (opts.enable_thinking.has_value()) ctx["enable_thinking"] = *opts.enable_thinking;
  ctx["add_generation_prompt"] = opts.add_generation_prompt;

  HEARTH_ASSIGN_OR_RETURN(jinja::Template tmpl, jinja::Template::Parse(template_source));
  return tmpl.Render(jinja::Value::FromJson(ctx));
}

}  // namespace hearth
