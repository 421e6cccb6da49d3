// POST /v1/responses, the non-stateful Responses API (Ollama v0.13.3; spec
// ollama-openai-api.md §2.2): the body becomes a chat-completions body (responses_request.h) and
// runs as a chat turn; the turn's chunks become output items (reasoning, message, function_call)
// of a `response` object, sent whole or as named SSE events (response.created ...
// response.completed). Nothing is stored, so `previous_response_id` is refused.
#include <memory>
#include <string>
#include <utility>

#include "server/http_util.h"
#include "server/openai_common.h"
#include "server/response_builder.h"
#include "server/responses_request.h"
#include "server/routes.h"

namespace hearth::server {
namespace {

// The response object before generation: the request's settings echoed, no output yet.
Json NewResponse(const Json& body, const TurnRequest& req) {
  Json text = {{"format", {{"type", "text"}}}};
  if (auto t = body.find("text"); t != body.end() && t->is_object() && t->contains("format")) text = *t;
  return {{"id", RandomId("resp_", 24)},
          {"object", "response"},
          {"created_at", UnixSeconds()},
          {"status", "in_progress"},
          {"model", req.model},
          {"output", Json::array()},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"instructions", body.value("instructions", Json())},
          {"max_output_tokens", body.value("max_output_tokens", Json())},
          {"temperature", req.gen.sampling.temperature},
          {"top_p", req.gen.sampling.top_p},
          {"tools", body.value("tools", Json::array())},
          {"tool_choice", "auto"},
          {"parallel_tool_calls", true},
          {"text", std::move(text)},
          {"usage", nullptr},
          {"store", false},
          {"metadata", Json::object()}};
}

void HandleResponses(ModelManager& models, const ConnectionGuard& connections, const httplib::Request& http,
                     httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendOpenAiError(res, body.error());
  Result<Json> chat = ResponsesToChatBody(*body);
  if (!chat) return SendOpenAiError(res, chat.error());
  Result<OpenAiTurn> prepared = PrepareOpenAiTurn(models, std::move(*chat), start);
  if (!prepared) return SendOpenAiError(res, prepared.error());
  Engine& engine = *prepared->engine;
  std::shared_ptr<PreparedTurn> turn = std::move(prepared->turn);
  auto builder = std::make_shared<ResponseBuilder>(NewResponse(*body, turn->req));

  if (!turn->req.stream) {
    Result<TurnResult> r = engine.Run(*turn, {}, connections.AliveProbe(http.remote_addr, http.remote_port));
    if (!r) return SendOpenAiError(res, r.error());
    const SendEvent ignore = [](const Json&) {};
    ParseDelta whole;
    whole.thinking_delta = r->thinking;
    whole.content_delta = r->content;
    whole.tool_calls = r->tool_calls;
    builder->Delta(whole, ignore);
    return res.set_content(Dump(builder->Finish(*r, ignore)), "application/json");
  }

  StreamTurn(res, engine, std::move(turn), StreamFraming::kSseNamed,
             {.open = [builder](const SendEvent& send) { builder->Open(send); },
              .delta = [builder](const TurnDelta& d, const SendEvent& send) { builder->Delta(d.parsed, send); },
              .finish = [builder](const TurnResult& r, const SendEvent& send) { builder->Finish(r, send); },
              .fail = [builder](const std::string& message, const SendEvent& send) { builder->Fail(message, send); }});
}

}  // namespace

void RegisterResponsesRoutes(httplib::Server& http, ModelManager& models, const ConnectionGuard& connections) {
  http.Post("/v1/responses", WithBody([&models, &connections](const httplib::Request& req, httplib::Response& res) {
              HandleResponses(models, connections, req, res);
            }));
}

}  // namespace hearth::server
