// What the OpenAI-compatible routes share (routes_openai.cc: chat and legacy completions;
// routes_responses.cc: the Responses API): error bodies, the model lease and preparing a chat
// turn from a chat-completions body. Streaming is stream_turn.h.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "server/api_types.h"
#include "server/engine.h"
#include "server/model_manager.h"
#include "server/stream_turn.h"

namespace hearth::server {

// {"error": {message, type, param, code}} (spec §2.1 Errors).
Json OpenAiErrorJson(int http_status, const std::string& message);
// `status` as the HTTP status and an OpenAI error body (503 adds Retry-After).
void SendOpenAiError(httplib::Response& res, const Status& status);

// The model a /v1 body names, leased (loaded on demand, default keep_alive: the OpenAI API has
// no such field); `body` gets that model's Modelfile defaults.
[[nodiscard]] Result<std::shared_ptr<ModelLease>> LeaseOpenAiModel(ModelManager& models, Json& body);

// A turn admitted on its engine; `turn->hold` keeps the model loaded.
struct OpenAiTurn {
  Engine* engine = nullptr;
  std::shared_ptr<PreparedTurn> turn;
};
// Decodes a /v1 body (with the leased model's defaults) into a turn request.
using ParseOpenAiTurnFn = std::function<Result<TurnRequest>(const Json& body, const SamplingParams& defaults)>;
// A /v1 body -> lease -> `parse` (chat completions unless told) -> rendered prompt, admitted.
[[nodiscard]] Result<OpenAiTurn> PrepareOpenAiTurn(ModelManager& models, Json body, Clock::time_point start,
                                                   const ParseOpenAiTurnFn& parse = ParseOpenAiChat);

// The `fail` of a chat or completions stream: an error event with OpenAiErrorJson(500, message).
void SendOpenAiStreamError(const std::string& message, const SendEvent& send);

}  // namespace hearth::server
