// Request structs of the HTTP API and their decoding from JSON, with validation. Owns the
// mapping Ollama `options` / OpenAI fields -> GenerateOptions; does not touch the model.
// Decoding never throws: wrong types and out-of-range values come back as InvalidArgument
// naming the field; unknown fields are ignored (clients send removed or foreign options).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"
#include "runtime/generate.h"
#include "sampling/sampling_params.h"

namespace hearth::server {

using Json = nlohmann::ordered_json;

// One generation request, whichever endpoint it came from.
struct TurnRequest {
  std::string model;   // the name the client asked for (echoed in responses)
  bool stream = true;  // Ollama default true; OpenAI default false
  // Chat: messages (+ tools) rendered through the model's chat template.
  Json messages = Json::array();
  Json tools;                 // null = the template sees no `tools` variable
  std::optional<bool> think;  // unset: the template's default
  Json template_kwargs;       // extra template variables (chat_template_kwargs); object or null
  // Generate with raw:true: `prompt` is tokenized as is (BOS added), no template.
  bool raw = false;
  std::string prompt;
  GenerateOptions gen;         // starts from the model's defaults; request values override
  int num_ctx = 0;             // 0 = the server's default context
  bool include_usage = false;  // OpenAI stream_options.include_usage
};

// The request's model name: `model`, or the deprecated `name`. InvalidArgument when neither.
[[nodiscard]] Result<std::string> ModelField(const Json& body);

// Ollama `options` object applied onto `req` (gen.sampling, gen.num_predict, gen.stop, num_ctx).
[[nodiscard]] Status ApplyOllamaOptions(const Json& options, TurnRequest& req);
// Ollama `think`: true/false or a level string ("low", "medium", "high", "max" = true).
[[nodiscard]] Status ApplyOllamaThink(const Json& think, TurnRequest& req);
// Ollama `format`: "json", a JSON schema object, or "" / null for none; compiled into
// req.gen.format. A bad schema is InvalidArgument naming the place.
[[nodiscard]] Status ApplyFormat(const Json& format, TurnRequest& req);

// POST /api/chat and /api/generate bodies; `defaults` are the model's sampling defaults.
[[nodiscard]] Result<TurnRequest> ParseOllamaChat(const Json& body, const SamplingParams& defaults);
[[nodiscard]] Result<TurnRequest> ParseOllamaGenerate(const Json& body, const SamplingParams& defaults);
// POST /v1/chat/completions body.
[[nodiscard]] Result<TurnRequest> ParseOpenAiChat(const Json& body, const SamplingParams& defaults);

// POST /v1/completions (OpenAI legacy completions). `turn.prompt` keeps the prompt text.
struct CompletionRequest {
  TurnRequest turn;
  bool echo = false;  // the response text starts with the prompt
};
[[nodiscard]] Result<CompletionRequest> ParseOpenAiCompletion(const Json& body, const SamplingParams& defaults);

}  // namespace hearth::server
