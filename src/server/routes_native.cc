// The Ollama-native API: /api/chat and /api/generate (NDJSON streaming by default), version,
// liveness, and Prometheus /metrics. The model of each request comes from the ModelManager
// (loaded on demand, kept for keep_alive); the store endpoints are in routes_store.cc.
#include <exception>
#include <memory>
#include <string>

#include "server/http_util.h"
#include "server/keep_alive.h"
#include "server/logprobs_json.h"
#include "server/request_model.h"
#include "server/routes.h"
#include "server/stream_turn.h"

namespace hearth::server {
namespace {

enum class Endpoint { kChat, kGenerate };

void SendError(httplib::Response& res, const Status& status) {
  res.status = HttpStatus(status);
  if (res.status == 503) res.set_header("Retry-After", "1");
  res.set_content(Dump(Json{{"error", status.message()}}), "application/json; charset=utf-8");
}

void SendJson(httplib::Response& res, const Json& j) { res.set_content(Dump(j), "application/json; charset=utf-8"); }

Json ToolCallJson(const ParsedToolCall& call, int index) {
  return {{"id", RandomId("call_", 8)},
          {"function", {{"index", index}, {"name", call.name}, {"arguments", call.arguments}}}};
}

// The message (chat) or response (generate) fields of one chunk, or of the whole reply.
void PutText(Json& j, Endpoint ep, const std::string& thinking, const std::string& content, const Json& tool_calls) {
  if (ep == Endpoint::kChat) {
    Json message = {{"role", "assistant"}, {"content", content}};
    if (!thinking.empty()) message["thinking"] = thinking;
    if (!tool_calls.empty()) message["tool_calls"] = tool_calls;
    j["message"] = std::move(message);
  } else {
    j["response"] = content;
    if (!thinking.empty()) j["thinking"] = thinking;
    if (!tool_calls.empty()) j["tool_calls"] = tool_calls;
  }
}

Json Head(const std::string& model) { return {{"model", model}, {"created_at", NowRfc3339()}}; }

void PutMetrics(Json& j, const TurnResult& r) {
  j["done"] = true;
  j["done_reason"] = r.done_reason == "cancel" ? "stop" : r.done_reason;
  j["total_duration"] = r.total_ns;
  j["load_duration"] = r.load_ns;
  j["prompt_eval_count"] = r.stats.prompt_tokens;
  j["prompt_eval_duration"] = static_cast<int64_t>(r.stats.prompt_seconds * 1e9);
  j["eval_count"] = r.stats.eval_count;
  j["eval_duration"] = static_cast<int64_t>(r.stats.eval_seconds * 1e9);
}

// An empty conversation or prompt only loads the model (clients use it to warm up), or with
// keep_alive 0 unloads it (`ollama stop`).
bool OnlyLoads(const Json& body, Endpoint ep) {
  if (ep == Endpoint::kChat) {
    const auto m = body.find("messages");
    return m == body.end() || (m->is_array() && m->empty());
  }
  const auto p = body.find("prompt");
  return p == body.end() || p->is_null() || (p->is_string() && p->get_ref<const std::string&>().empty());
}

void HandleTurn(ModelManager& models, const ConnectionGuard& connections, Endpoint ep, const httplib::Request& http,
                httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendError(res, body.error());
  if (!body->is_object()) return SendError(res, InvalidArgument("request body must be a JSON object"));
  Result<std::string> name = ModelField(*body);
  if (!name) return SendError(res, name.error());
  Result<KeepAlive> keep_alive = ParseKeepAlive(*body, models.options().default_keep_alive);
  if (!keep_alive) return SendError(res, keep_alive.error());
  const bool only_loads = OnlyLoads(*body, ep);
  if (only_loads && keep_alive->unload_now()) {
    if (Status st = models.Unload(*name); !st.ok()) return SendError(res, st);
    Json j = Head(*name);
    PutText(j, ep, "", "", Json::array());
    j["done"] = true;
    j["done_reason"] = "unload";
    return SendJson(res, j);
  }
  Result<std::shared_ptr<ModelLease>> lease = AcquireModel(models, *name, *keep_alive);
  if (!lease) return SendError(res, lease.error());
  Engine& engine = (*lease)->engine();
  if (only_loads) {
    Json j = Head(*name);
    PutText(j, ep, "", "", Json::array());
    j["done"] = true;
    j["done_reason"] = "load";
    return SendJson(res, j);
  }
  const Json with_defaults = WithModelDefaults(
      std::move(*body), (*lease)->spec().config, ep == Endpoint::kChat ? Dialect::kOllamaChat : Dialect::kOllamaGenerate);
  const SamplingParams& defaults = engine.bundle().defaults;
  Result<TurnRequest> req =
      ep == Endpoint::kChat ? ParseOllamaChat(with_defaults, defaults) : ParseOllamaGenerate(with_defaults, defaults);
  if (!req) return SendError(res, req.error());
  const bool stream = req->stream;
  const std::string model = req->model;
  Result<std::unique_ptr<PreparedTurn>> prepared = engine.Prepare(std::move(*req), start);
  if (!prepared) return SendError(res, prepared.error());
  (*prepared)->hold = *lease;
  const TokenPieces pieces = RenderedPieces(*engine.bundle().tokenizer);

  if (!stream) {
    Result<TurnResult> r = engine.Run(**prepared, {}, connections.AliveProbe(http.remote_addr, http.remote_port));
    if (!r) return SendError(res, r.error());
    Json calls = Json::array();
    for (size_t i = 0; i < r->tool_calls.size(); ++i)
      calls.push_back(ToolCallJson(r->tool_calls[i], static_cast<int>(i)));
    Json j = Head(model);
    PutText(j, ep, r->thinking, r->content, calls);
    // Every generated token, thinking included: Ollama reports what the model produced.
    if ((*prepared)->wants_logprobs()) j["logprobs"] = TokenLogprobsJson(r->logprobs, pieces);
    PutMetrics(j, *r);
    return SendJson(res, j);
  }

  const bool wants_logprobs = (*prepared)->wants_logprobs();
  auto call_index = std::make_shared<int>(0);
  StreamTurn(res, engine, std::move(*prepared), StreamFraming::kNdjson,
             {.delta =
                  [ep, model, pieces, wants_logprobs, call_index](const TurnDelta& d, const SendEvent& send) {
                    Json calls = Json::array();
                    for (const ParsedToolCall& call : d.parsed.tool_calls) {
                      calls.push_back(ToolCallJson(call, (*call_index)++));
                    }
                    Json j = Head(model);
                    PutText(j, ep, d.parsed.thinking_delta, d.parsed.content_delta, calls);
                    if (wants_logprobs) j["logprobs"] = TokenLogprobsJson(d.logprobs, pieces);
                    j["done"] = false;
                    send(j);
                  },
              .finish =
                  [ep, model](const TurnResult& r, const SendEvent& send) {
                    Json j = Head(model);
                    PutText(j, ep, "", "", Json::array());
                    PutMetrics(j, r);
                    send(j);
                  },
              .fail = [](const std::string& message, const SendEvent& send) { send(Json{{"error", message}}); }});
}

}  // namespace

httplib::Server::Handler Guard(httplib::Server::Handler handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(Dump(Json{{"error", std::string("internal error: ") + e.what()}}), "application/json");
    }
  };
}

httplib::Server::HandlerWithContentReader WithBody(httplib::Server::Handler handler) {
  return [handler = Guard(std::move(handler))](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader& reader) {
    std::string body;
    if (!reader([&](const char* data, size_t n) {
          body.append(data, n);
          return true;
        })) {
      return;  // httplib has set the status (413 too large, 400 malformed)
    }
    httplib::Request with_body = req;
    with_body.body = std::move(body);
    handler(with_body, res);
  };
}

void RegisterNativeRoutes(httplib::Server& http, ModelManager& models, const ConnectionGuard& connections) {
  http.Get("/", Guard([](const httplib::Request&, httplib::Response& res) {
             res.set_content("Ollama is running", "text/plain; charset=utf-8");
           }));
  http.Get("/metrics", Guard([&models](const httplib::Request&, httplib::Response& res) {
             res.set_content(models.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
           }));
  http.Get("/api/version", Guard([](const httplib::Request&, httplib::Response& res) {
             SendJson(res, {{"version", "0.1.0"}});
           }));
  http.Post("/api/chat", WithBody([&models, &connections](const httplib::Request& req, httplib::Response& res) {
              HandleTurn(models, connections, Endpoint::kChat, req, res);
            }));
  http.Post("/api/generate", WithBody([&models, &connections](const httplib::Request& req, httplib::Response& res) {
              HandleTurn(models, connections, Endpoint::kGenerate, req, res);
            }));
}

}  // namespace hearth::server
