// What the OpenAI-compatible routes share (routes_openai.cc: chat and legacy completions;
// routes_responses.cc: the Responses API): error bodies, the model lease, preparing a chat turn
// from a chat-completions body, and streaming a turn as server-sent events.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "server/api_types.h"
#include "server/engine.h"
#include "server/model_manager.h"

namespace hearth::server {

// {"error": {message, type, param, code}} (spec §2.1 Errors).
Json OpenAiErrorJson(int http_status, const std::string& message);
// `status` as the HTTP status and an OpenAI error body (503 adds Retry-After).
void SendOpenAiError(httplib::Response& res, const Status& status);

// The model a /v1 body names, leased (loaded on demand, default keep_alive: the OpenAI API has
// no such field); `body` gets that model's Modelfile defaults.
[[nodiscard]] Result<std::shared_ptr<ModelLease>> LeaseOpenAiModel(ModelManager& models, Json& body);

// A chat turn admitted on its engine; `turn->hold` keeps the model loaded.
struct OpenAiChatTurn {
  Engine* engine = nullptr;
  std::shared_ptr<PreparedTurn> turn;
};
// A /v1/chat/completions body -> lease -> TurnRequest -> rendered prompt, admitted.
[[nodiscard]] Result<OpenAiChatTurn> PrepareOpenAiChat(ModelManager& models, Json body, Clock::time_point start);

// Writes one event whose payload is `data` (an SSE `data:` line, preceded by `event: <type>`
// for named events).
using SendEvent = std::function<void(const Json& data)>;

// The callbacks of one SSE response, all run on the HTTP thread.
struct SseEvents {
  std::function<void(const SendEvent&)> open;                     // before generation
  std::function<void(const TurnDelta&, const SendEvent&)> delta;  // each chunk
  std::function<void(const TurnResult&, const SendEvent&)> finish;  // after a complete turn
  // A failure once the stream has started (the status line is sent); empty: an error event
  // with OpenAiErrorJson(500, ...).
  std::function<void(const std::string& message, const SendEvent&)> fail;
  // The Responses API names each event (`event: response.created`); its payload's `type` says
  // the same. Chat completions send bare `data:` lines.
  bool named = false;
  // Chat completions end with `data: [DONE]`; the Responses API does not.
  bool done_marker = true;
};

// Streams `turn` as server-sent events: open, the deltas, finish, then `[DONE]` when asked. A
// client that goes away cancels the turn (nothing more is written); failures go to `fail`.
void StreamSse(httplib::Response& res, Engine& engine, std::shared_ptr<PreparedTurn> turn, SseEvents events);

}  // namespace hearth::server
