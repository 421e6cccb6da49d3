// libFuzzer target: the Jinja chat-template interpreter behind RenderChat. First input byte:
// even -> the rest is template source, rendered with a small fixed conversation (with tools);
// odd -> the rest is JSON for a fixed official Gemma 4 template: either a messages array or an
// object {"messages", "tools", "add_generation_prompt", "enable_thinking", "kwargs"}. Errors are
// expected; crashes, hangs, UB and escaping exceptions are findings.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace {

using Json = nlohmann::ordered_json;

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "chat_template_fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The official templates the JSON half renders with; the mode byte picks one.
const std::vector<std::string>& Templates() {
  static const std::vector<std::string>* templates = [] {
    const std::string dir = HEARTH_TESTDATA "/templates/";
    return new std::vector<std::string>{
        ReadFileOrDie(dir + "google-gemma-4-31B-it.jinja"),
        ReadFileOrDie(dir + "google-gemma-4-E2B-it-canonical-2026-07-09.jinja"),
        ReadFileOrDie(dir + "google-gemma-4-original-release-from-vocab-gguf.jinja"),
    };
  }();
  return *templates;
}

const Json& FixedMessages() {
  static const Json* messages = new Json(Json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": null, "reasoning_content": "Call the tool.",
     "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                     "arguments": "{\"city\": \"Paris\", \"days\": 2}"}}]},
    {"role": "tool", "name": "get_weather", "content": "{\"temp\": 21}"},
    {"role": "user", "content": [{"type": "text", "text": "Thanks"}, {"type": "image"}]}
  ])"));
  return *messages;
}

const Json& FixedTools() {
  static const Json* tools = new Json(Json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "description": "Forecast",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                    "days": {"type": ["integer", "null"], "enum": [1, 2, 3]}},
                    "required": ["city"]}}}
  ])"));
  return *tools;
}

void RenderSource(uint8_t mode, std::string_view source) {
  hearth::ChatRenderOptions opts;
  opts.add_generation_prompt = mode & 2;
  if (mode & 4) opts.enable_thinking = (mode & 8) != 0;
  (void)hearth::RenderChat(source, FixedMessages(), (mode & 16) ? FixedTools() : Json(), opts);
}

void RenderJson(uint8_t mode, std::string_view text) {
  Json input = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return;
  hearth::ChatRenderOptions opts;
  Json messages = input;
  Json tools;
  if (input.is_object() && input.contains("messages")) {
    messages = input["messages"];
    if (input.contains("tools")) tools = input["tools"];
    if (input.contains("add_generation_prompt") && input["add_generation_prompt"].is_boolean()) {
      opts.add_generation_prompt = input["add_generation_prompt"].get<bool>();
    }
    if (input.contains("enable_thinking") && input["enable_thinking"].is_boolean()) {
      opts.enable_thinking = input["enable_thinking"].get<bool>();
    }
    if (input.contains("kwargs")) opts.extra_kwargs = input["kwargs"];
  }
  opts.normalize = !(mode & 2);
  const std::vector<std::string>& templates = Templates();
  (void)hearth::RenderChat(templates[(mode >> 2) % templates.size()], messages, tools, opts);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Templates();
  (void)FixedMessages();
  (void)FixedTools();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    RenderJson(data[0], rest);
  } else {
    RenderSource(data[0], rest);
  }
  return 0;
}
