#include "server/responses_request.h"

#include <optional>
#include <string>

namespace hearth::server {
namespace {

std::string Field(const std::string& prefix, const char* key) { return prefix + "." + key; }

// A string field of an item. Absent or null: `fallback` when one is given, else InvalidArgument.
// Anything else than a string is InvalidArgument (json::value would throw on it).
Result<std::string> StringField(const Json& item, const char* key, const std::string& where,
                                const std::optional<std::string>& fallback = std::nullopt) {
  auto it = item.find(key);
  if ((it == item.end() || it->is_null()) && fallback.has_value()) return *fallback;
  if (it == item.end() || !it->is_string()) return InvalidArgument(Field(where, key) + ": expected a string");
  return it->get<std::string>();
}

// Message content: a string, or text parts (input_text / output_text / text) joined in order.
Result<std::string> ContentText(const Json& content, const std::string& where) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return InvalidArgument(where + ": expected a string or an array of content parts");
  std::string text;
  for (const Json& part : content) {
    if (!part.is_object()) return InvalidArgument(where + ": content parts must be objects");
    HEARTH_ASSIGN_OR_RETURN(const std::string type, StringField(part, "type", where + "[]", ""));
    if (type != "input_text" && type != "output_text" && type != "text") {
      return InvalidArgument(where + ": only text parts are supported (got \"" + type + "\")");
    }
    HEARTH_ASSIGN_OR_RETURN(const std::string piece, StringField(part, "text", where + "[]"));
    text += piece;
  }
  return text;
}

// The assistant message that a function_call item joins: the previous message when it is an
// assistant's, else a new one.
Json& AssistantFor(Json& messages) {
  if (messages.empty() || messages.back().value("role", std::string()) != "assistant") {
    messages.push_back({{"role", "assistant"}, {"content", ""}});
  }
  Json& m = messages.back();
  if (!m.contains("tool_calls")) m["tool_calls"] = Json::array();
  return m;
}

// The name of the call `call_id` among the assistant tool calls so far ("" when unknown).
std::string CallName(const Json& messages, const std::string& call_id) {
  for (const Json& m : messages) {
    for (const Json& call : m.value("tool_calls", Json::array())) {
      if (call.value("id", std::string()) == call_id) return call["function"].value("name", std::string());
    }
  }
  return "";
}

Status AppendItem(const Json& item, size_t index, Json& messages) {
  const std::string where = "input[" + std::to_string(index) + "]";
  if (!item.is_object()) return InvalidArgument(where + ": expected an object");
  HEARTH_ASSIGN_OR_RETURN(const std::string type, StringField(item, "type", where, "message"));
  if (type == "message") {
    HEARTH_ASSIGN_OR_RETURN(const std::string role, StringField(item, "role", where));
    auto content = item.find("content");
    if (content == item.end()) return InvalidArgument(where + ".content: required");
    HEARTH_ASSIGN_OR_RETURN(const std::string text, ContentText(*content, where + ".content"));
    messages.push_back({{"role", role}, {"content", text}});
  } else if (type == "function_call") {
    HEARTH_ASSIGN_OR_RETURN(const std::string call_id, StringField(item, "call_id", where));
    HEARTH_ASSIGN_OR_RETURN(const std::string name, StringField(item, "name", where));
    HEARTH_ASSIGN_OR_RETURN(const std::string arguments, StringField(item, "arguments", where));
    AssistantFor(messages)["tool_calls"].push_back(
        {{"id", call_id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}});
  } else if (type == "function_call_output") {
    HEARTH_ASSIGN_OR_RETURN(const std::string call_id, StringField(item, "call_id", where));
    auto output = item.find("output");
    if (output == item.end()) return InvalidArgument(where + ".output: required");
    HEARTH_ASSIGN_OR_RETURN(const std::string text, ContentText(*output, where + ".output"));
    messages.push_back({{"role", "tool"}, {"tool_call_id", call_id}, {"name", CallName(messages, call_id)},
                        {"content", text}});
  } else if (type != "reasoning") {
    // Reasoning items replay earlier thoughts; Gemma 4's template drops them between turns anyway.
    return InvalidArgument(where + ".type: \"" + type +
                           "\" is not supported (message, function_call, function_call_output, reasoning)");
  }
  return Status::Ok();
}

// Responses function tools are flat ({type, name, description, parameters}); chat nests them
// under `function`.
Result<Json> ChatTools(const Json& tools) {
  if (!tools.is_array()) return InvalidArgument("tools: expected an array");
  Json out = Json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string where = "tools[" + std::to_string(i) + "]";
    const Json& tool = tools[i];
    if (!tool.is_object()) return InvalidArgument(where + ": expected an object");
    HEARTH_ASSIGN_OR_RETURN(const std::string type, StringField(tool, "type", where, ""));
    if (type != "function") return InvalidArgument(where + ".type: only \"function\" tools are supported");
    HEARTH_ASSIGN_OR_RETURN(const std::string name, StringField(tool, "name", where));
    Json function = {{"name", name}};
    for (const char* key : {"description", "parameters", "strict"}) {
      if (auto it = tool.find(key); it != tool.end() && !it->is_null()) function[key] = *it;
    }
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

// text.format -> response_format: {type:"json_schema", name, schema, strict} moves its fields
// under `json_schema`; json_object and text keep their type.
Result<Json> ResponseFormat(const Json& text) {
  if (!text.is_object()) return InvalidArgument("text: expected an object");
  auto format = text.find("format");
  if (format == text.end() || format->is_null()) return Json();
  if (!format->is_object()) return InvalidArgument("text.format: expected an object");
  HEARTH_ASSIGN_OR_RETURN(const std::string type, StringField(*format, "type", "text.format", ""));
  if (type != "json_schema") return Json{{"type", type}};
  Json schema = *format;
  schema.erase("type");
  return Json{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
}

}  // namespace

Result<Json> ResponsesToChatBody(const Json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  if (auto prev = body.find("previous_response_id"); prev != body.end() && !prev->is_null()) {
    return InvalidArgument("previous_response_id is not supported: this server does not store responses");
  }
  Json chat = Json::object();
  for (const char* key : {"model", "stream", "temperature", "top_p"}) {
    if (auto it = body.find(key); it != body.end()) chat[key] = *it;
  }
  Json messages = Json::array();
  if (auto it = body.find("instructions"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("instructions: expected a string");
    messages.push_back({{"role", "system"}, {"content", *it}});
  }
  auto input = body.find("input");
  if (input == body.end() || input->is_null()) return InvalidArgument("input: required");
  if (input->is_string()) {
    messages.push_back({{"role", "user"}, {"content", *input}});
  } else if (input->is_array()) {
    for (size_t i = 0; i < input->size(); ++i) HEARTH_RETURN_IF_ERROR(AppendItem((*input)[i], i, messages));
  } else {
    return InvalidArgument("input: expected a string or an array of items");
  }
  chat["messages"] = std::move(messages);
  if (auto it = body.find("tools"); it != body.end() && !it->is_null()) {
    HEARTH_ASSIGN_OR_RETURN(chat["tools"], ChatTools(*it));
  }
  if (auto it = body.find("max_output_tokens"); it != body.end()) chat["max_tokens"] = *it;
  if (auto it = body.find("reasoning"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("reasoning: expected an object");
    if (auto effort = it->find("effort"); effort != it->end()) chat["reasoning_effort"] = *effort;
  }
  if (auto it = body.find("text"); it != body.end() && !it->is_null()) {
    HEARTH_ASSIGN_OR_RETURN(Json format, ResponseFormat(*it));
    if (!format.is_null()) chat["response_format"] = std::move(format);
  }
  return chat;
}

}  // namespace hearth::server
