// The OpenAI API: /v1/chat/completions and /v1/completions (JSON or SSE) and /v1/models.
// Reasoning is sent as both `reasoning` (Ollama's name) and `reasoning_content` (llama-server's);
// tool calls arrive whole, one delta each, with index, id and type (valid for openai-node's
// stream helper).
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "server/http_util.h"
#include "server/request_model.h"
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

Json ModelObject(const ListedModel& m) {
  return {{"id", m.name}, {"object", "model"}, {"created", m.modified}, {"owned_by", "library"}};
}

// The model a /v1 body names, leased (loaded on demand, default keep_alive: the OpenAI API has
// no such field), and the body with that model's Modelfile defaults.
Result<std::shared_ptr<ModelLease>> LeaseFor(ModelManager& models, Json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  HEARTH_ASSIGN_OR_RETURN(const std::string name, ModelField(body));
  HEARTH_ASSIGN_OR_RETURN(std::shared_ptr<ModelLease> lease,
                          AcquireModel(models, name, models.options().default_keep_alive));
  body = WithModelDefaults(std::move(body), lease->spec().config, Dialect::kOpenAiChat);
  return lease;
}

// Event callbacks of one SSE response: `send` writes one `data:` event.
using SendEvent = std::function<void(const Json&)>;
struct SseEvents {
  std::function<void(const SendEvent& send)> open;                         // before generation
  std::function<void(const ParseDelta& d, const SendEvent& send)> delta;  // each parsed chunk
  std::function<Json(const TurnResult& r)> finish;                         // the finish_reason chunk
};

// Streams `turn` as server-sent events: the opening events, one or more per delta, the finish
// chunk, then (when asked) a usage chunk with empty choices, then `data: [DONE]`. A client that
// goes away cancels the turn; a failure mid-stream becomes an `error` event.
void StreamSse(httplib::Response& res, Engine& engine, std::shared_ptr<PreparedTurn> turn, const Json& head,
               bool include_usage, SseEvents events) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [turn, &engine, head, include_usage, events](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& payload) {
          const std::string event = "data: " + payload + "\n\n";
          if (!sink.write(event.data(), event.size())) turn->cancel.store(true);
        };
        const SendEvent send = [&](const Json& j) { write(Dump(j)); };
        try {
          events.open(send);
          Result<TurnResult> r = engine.Run(*turn, [&](const ParseDelta& d) {
            if (turn->cancel.load() || !sink.is_writable()) {
              turn->cancel.store(true);
              return;
            }
            events.delta(d, send);
          }, [&sink] { return sink.is_writable(); });
          if (!r) {
            send(ErrorJson(500, r.error().message()));
          } else if (!turn->cancel.load()) {
            send(events.finish(*r));
            if (include_usage) {
              Json j = head;
              j["choices"] = Json::array();
              j["usage"] = Usage(*r);
              send(j);
            }
            write("[DONE]");
          }
        } catch (const std::exception& e) {
          send(ErrorJson(500, std::string("internal error: ") + e.what()));
        }
        sink.done();
        return true;
      });
}

void HandleChat(ModelManager& models, const httplib::Request& http, httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendError(res, body.error());
  Result<std::shared_ptr<ModelLease>> lease = LeaseFor(models, *body);
  if (!lease) return SendError(res, lease.error());
  Engine& engine = (*lease)->engine();
  Result<TurnRequest> req = ParseOpenAiChat(*body, engine.bundle().defaults);
  if (!req) return SendError(res, req.error());
  const bool stream = req->stream, include_usage = req->include_usage;
  const std::string model = req->model;
  Result<std::unique_ptr<PreparedTurn>> prepared = engine.Prepare(std::move(*req), start);
  if (!prepared) return SendError(res, prepared.error());
  (*prepared)->hold = *lease;
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

  auto chunk = [head](const Json& delta, const Json& finish_reason) {
    Json j = head;
    j["choices"] = Json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}, {"logprobs", nullptr}}});
    return j;
  };
  auto call_index = std::make_shared<int>(0);
  StreamSse(res, engine, std::move(*prepared), head, include_usage,
            {.open = [chunk](const SendEvent& send) { send(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)); },
             .delta =
                 [chunk, call_index](const ParseDelta& d, const SendEvent& send) {
                   if (!d.thinking_delta.empty())
                     send(chunk({{"reasoning", d.thinking_delta}, {"reasoning_content", d.thinking_delta}}, nullptr));
                   if (!d.content_delta.empty()) send(chunk({{"content", d.content_delta}}, nullptr));
                   if (!d.tool_calls.empty()) {
                     Json calls = Json::array();
                     for (const ParsedToolCall& call : d.tool_calls) calls.push_back(ToolCallJson(call, (*call_index)++));
                     send(chunk({{"tool_calls", calls}}, nullptr));
                   }
                 },
             .finish = [chunk](const TurnResult& r) { return chunk(Json::object(), FinishReason(r)); }});
}

// POST /v1/completions: one prompt in, text out (the prompt's rendering is decided in
// ParseOpenAiCompletion). Chunks carry `choices[0].text`; the last one carries finish_reason.
void HandleCompletion(ModelManager& models, const httplib::Request& http, httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendError(res, body.error());
  Result<std::shared_ptr<ModelLease>> lease = LeaseFor(models, *body);
  if (!lease) return SendError(res, lease.error());
  Engine& engine = (*lease)->engine();
  Result<CompletionRequest> req = ParseOpenAiCompletion(*body, engine.bundle().defaults);
  if (!req) return SendError(res, req.error());
  const bool stream = req->turn.stream, include_usage = req->turn.include_usage;
  const std::string model = req->turn.model;
  const std::string echoed = req->echo ? req->turn.prompt : "";
  Result<std::unique_ptr<PreparedTurn>> prepared = engine.Prepare(std::move(req->turn), start);
  if (!prepared) return SendError(res, prepared.error());
  (*prepared)->hold = *lease;
  const Json head = {{"id", RandomId("cmpl-", 12)},
                     {"object", "text_completion"},
                     {"created", UnixSeconds()},
                     {"model", model},
                     {"system_fingerprint", "fp_hearth"}};
  auto with_choice = [head](const std::string& text, const Json& finish_reason) {
    Json j = head;
    j["choices"] =
        Json::array({{{"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}});
    return j;
  };

  if (!stream) {
    Result<TurnResult> r = engine.Run(**prepared, {});
    if (!r) return SendError(res, r.error());
    Json j = with_choice(echoed + r->content, FinishReason(*r));
    j["usage"] = Usage(*r);
    return res.set_content(Dump(j), "application/json");
  }

  StreamSse(res, engine, std::move(*prepared), head, include_usage,
            {.open = [with_choice, echoed](const SendEvent& send) {
               if (!echoed.empty()) send(with_choice(echoed, nullptr));
             },
             .delta =
                 [with_choice](const ParseDelta& d, const SendEvent& send) {
                   if (!d.content_delta.empty()) send(with_choice(d.content_delta, nullptr));
                 },
             .finish = [with_choice](const TurnResult& r) { return with_choice("", FinishReason(r)); }});
}

}  // namespace

void RegisterOpenAiRoutes(httplib::Server& http, ModelManager& models) {
  http.Post("/v1/chat/completions",
            WithBody([&models](const httplib::Request& req, httplib::Response& res) { HandleChat(models, req, res); }));
  http.Post("/v1/completions", WithBody([&models](const httplib::Request& req, httplib::Response& res) {
              HandleCompletion(models, req, res);
            }));
  http.Get("/v1/models", Guard([&models](const httplib::Request&, httplib::Response& res) {
             Result<std::vector<ListedModel>> listed = ListModels(models);
             if (!listed) return SendError(res, listed.error());
             Json data = Json::array();
             for (const ListedModel& m : *listed) data.push_back(ModelObject(m));
             res.set_content(Dump(Json{{"object", "list"}, {"data", data}}), "application/json");
           }));
  http.Get(R"(/v1/models/(.+))", Guard([&models](const httplib::Request& req, httplib::Response& res) {
             const std::string id = req.matches[1];
             Result<std::vector<ListedModel>> listed = ListModels(models);
             if (!listed) return SendError(res, listed.error());
             for (const ListedModel& m : *listed) {
               if (ModelManager::Key(m.name) == ModelManager::Key(id)) {
                 return res.set_content(Dump(ModelObject(m)), "application/json");
               }
             }
             SendError(res, NotFound("model '" + id + "' not found"));
           }));
}

}  // namespace hearth::server
