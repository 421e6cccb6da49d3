// The OpenAI API: /v1/chat/completions (JSON or SSE) and /v1/models. Reasoning is sent as both
// `reasoning` (Ollama's name) and `reasoning_content` (llama-server's); tool calls arrive whole,
// one delta each, with index, id and type (valid for openai-node's stream helper).
#include <exception>
#include <memory>
#include <string>

#include "server/http_util.h"
#include "server/routes.h"

namespace hearth::server {
namespace {

const char* ErrorType(int http_status) {
  switch (http_status) {
    case 400:
      return "invalid_request_error";
    case 404:
      return "not_found_error";
    case 413:
      return "invalid_request_error";
    case 501:
      return "not_supported_error";
    case 503:
      return "unavailable_error";
    default:
      return "api_error";
  }
}

Json ErrorJson(int http_status, const std::string& message) {
  return {
      {"error", {{"message", message}, {"type", ErrorType(http_status)}, {"param", nullptr}, {"code", http_status}}}};
}

void SendError(httplib::Response& res, const Status& status) {
  res.status = HttpStatus(status);
  if (res.status == 503) res.set_header("Retry-After", "1");
  res.set_content(Dump(ErrorJson(res.status, status.message())), "application/json");
}

Json ToolCallJson(const ParsedToolCall& call, int index) {
  return {{"index", index},
          {"id", RandomId("call_", 8)},
          {"type", "function"},
          {"function", {{"name", call.name}, {"arguments", Dump(call.arguments)}}}};
}

std::string FinishReason(const TurnResult& r) {
  if (!r.tool_calls.empty()) return "tool_calls";
  return r.done_reason == "length" ? "length" : "stop";
}

Json Usage(const TurnResult& r) {
  return {{"prompt_tokens", r.stats.prompt_tokens},
          {"completion_tokens", r.stats.eval_count},
          {"total_tokens", r.stats.prompt_tokens + r.stats.eval_count},
          {"prompt_tokens_details", {{"cached_tokens", r.stats.prompt_reused}}}};
}

Json ModelObject(const Engine& engine) {
  return {{"id", engine.FullName()}, {"object", "model"}, {"created", engine.file_mtime()}, {"owned_by", "library"}};
}

void HandleChat(Engine& engine, const httplib::Request& http, httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendError(res, body.error());
  Result<TurnRequest> req = ParseOpenAiChat(*body, engine.bundle().defaults);
  if (!req) return SendError(res, req.error());
  const bool stream = req->stream, include_usage = req->include_usage;
  const std::string model = req->model;
  Result<std::unique_ptr<PreparedTurn>> prepared = engine.Prepare(std::move(*req), start);
  if (!prepared) return SendError(res, prepared.error());
  const std::string id = RandomId("chatcmpl-", 12);
  const int64_t created = UnixSeconds();
  Json head = {{"id", id},
               {"object", stream ? "chat.completion.chunk" : "chat.completion"},
               {"created", created},
               {"model", model},
               {"system_fingerprint", "fp_hearth"}};

  if (!stream) {
    Result<TurnResult> r = engine.Run(**prepared, {});
    if (!r) return SendError(res, r.error());
    Json message = {{"role", "assistant"}, {"content", r->content}};
    if (!r->thinking.empty()) {
      message["reasoning"] = r->thinking;
      message["reasoning_content"] = r->thinking;
    }
    if (!r->tool_calls.empty()) {
      Json calls = Json::array();
      for (size_t i = 0; i < r->tool_calls.size(); ++i)
        calls.push_back(ToolCallJson(r->tool_calls[i], static_cast<int>(i)));
      message["tool_calls"] = calls;
    }
    Json j = head;
    j["choices"] =
        Json::array({{{"index", 0}, {"message", message}, {"finish_reason", FinishReason(*r)}, {"logprobs", nullptr}}});
    j["usage"] = Usage(*r);
    return res.set_content(Dump(j), "application/json");
  }

  std::shared_ptr<PreparedTurn> turn(std::move(*prepared));
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [turn, &engine, head, include_usage](size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& payload) {
          const std::string event = "data: " + payload + "\n\n";
          if (!sink.write(event.data(), event.size())) turn->cancel.store(true);
        };
        auto chunk = [&](const Json& delta, const Json& finish_reason) {
          Json j = head;
          j["choices"] =
              Json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}, {"logprobs", nullptr}}});
          send(Dump(j));
        };
        try {
          chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
          int call_index = 0;
          Result<TurnResult> r = engine.Run(*turn, [&](const ParseDelta& d) {
            if (turn->cancel.load() || !sink.is_writable()) {
              turn->cancel.store(true);
              return;
            }
            if (!d.thinking_delta.empty())
              chunk({{"reasoning", d.thinking_delta}, {"reasoning_content", d.thinking_delta}}, nullptr);
            if (!d.content_delta.empty()) chunk({{"content", d.content_delta}}, nullptr);
            if (!d.tool_calls.empty()) {
              Json calls = Json::array();
              for (const ParsedToolCall& call : d.tool_calls) calls.push_back(ToolCallJson(call, call_index++));
              chunk({{"tool_calls", calls}}, nullptr);
            }
          });
          if (!r) {
            send(Dump(ErrorJson(500, r.error().message())));
          } else if (!turn->cancel.load()) {
            chunk(Json::object(), FinishReason(*r));
            if (include_usage) {
              Json j = head;
              j["choices"] = Json::array();
              j["usage"] = Usage(*r);
              send(Dump(j));
            }
            send("[DONE]");
          }
        } catch (const std::exception& e) {
          send(Dump(ErrorJson(500, std::string("internal error: ") + e.what())));
        }
        sink.done();
        return true;
      });
}

}  // namespace

void RegisterOpenAiRoutes(httplib::Server& http, Engine& engine) {
  http.Post("/v1/chat/completions",
            WithBody([&engine](const httplib::Request& req, httplib::Response& res) { HandleChat(engine, req, res); }));
  http.Get("/v1/models", Guard([&engine](const httplib::Request&, httplib::Response& res) {
             res.set_content(Dump(Json{{"object", "list"}, {"data", Json::array({ModelObject(engine)})}}),
                             "application/json");
           }));
  http.Get(R"(/v1/models/(.+))", Guard([&engine](const httplib::Request& req, httplib::Response& res) {
             const std::string id = req.matches[1];
             if (!engine.Matches(id)) return SendError(res, NotFound("model '" + id + "' not found"));
             res.set_content(Dump(ModelObject(engine)), "application/json");
           }));
}

}  // namespace hearth::server
