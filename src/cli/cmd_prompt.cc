// `hearth prompt`: the exact prompt text the GGUF's chat template renders for a conversation
// (OpenAI/Ollama-style messages JSON, optional tools JSON), printed without a trailing newline.
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "cli/command.h"
#include "gguf/gguf_reader.h"

namespace hearth::cli {
namespace {

struct PromptArgs {
  std::string model, messages, tools;
  bool think = false, no_think = false;
};

Result<nlohmann::ordered_json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open");
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument(path + ": not valid JSON");
  return j;
}

int Run(const PromptArgs& a) {
  Result<nlohmann::ordered_json> messages = ReadJson(a.messages);
  if (!messages) return Fail(messages.error());
  // Accept a bare array or an OpenAI-style request object with "messages" (and "tools").
  nlohmann::ordered_json tools = nullptr;
  if (messages->is_object()) {
    if (messages->contains("tools")) tools = (*messages)["tools"];
    nlohmann::ordered_json inner = messages->value("messages", nlohmann::ordered_json());
    *messages = std::move(inner);
  }
  if (!messages->is_array()) return Fail(InvalidArgument(a.messages + ": expected a JSON array of messages"));
  if (!a.tools.empty()) {
    Result<nlohmann::ordered_json> t = ReadJson(a.tools);
    if (!t) return Fail(t.error());
    tools = *t;
  }
  Result<GgufFile> file = GgufFile::Open(a.model);
  if (!file) return Fail(file.error());
  Result<std::string_view> tmpl = file->GetString("tokenizer.chat_template");
  if (!tmpl) return Fail(tmpl.error().WithContext(a.model));
  ChatRenderOptions opts;
  if (a.think) opts.enable_thinking = true;
  if (a.no_think) opts.enable_thinking = false;
  Result<std::string> text = RenderChat(*tmpl, *messages, tools, opts);
  if (!text) return Fail(text.error());
  std::fwrite(text->data(), 1, text->size(), stdout);
  return 0;
}

}  // namespace

RunFn AddPromptCommand(CLI::App& app) {
  auto a = std::make_shared<PromptArgs>();
  CLI::App* cmd = app.add_subcommand("prompt", "Render a conversation with the model's chat template");
  cmd->add_option("--model", a->model, "GGUF file (model or vocab-only) holding tokenizer.chat_template")->required();
  cmd->add_option("--messages", a->messages, "JSON file: an array of messages (or a request with \"messages\")")
      ->required();
  cmd->add_option("--tools", a->tools, "JSON file: an array of tool declarations");
  auto* think = cmd->add_flag("--think", a->think, "Render with thinking enabled");
  cmd->add_flag("--no-think", a->no_think, "Render with thinking disabled")->excludes(think);
  return [a] { return Run(*a); };
}

}  // namespace hearth::cli
