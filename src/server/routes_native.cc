// The Ollama-native API: /api/chat and /api/generate (NDJSON streaming by default), model
// listing and details, version, liveness, and Prometheus /metrics. Registry operations (pull,
// create, ...) answer 501 because `hearth serve` serves one model file.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "server/http_util.h"
#include "server/routes.h"

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

void HandleTurn(Engine& engine, Endpoint ep, const httplib::Request& http, httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendError(res, body.error());
  const SamplingParams& defaults = engine.bundle().defaults;
  Result<TurnRequest> req =
      ep == Endpoint::kChat ? ParseOllamaChat(*body, defaults) : ParseOllamaGenerate(*body, defaults);
  if (!req) return SendError(res, req.error());
  if (!engine.Matches(req->model)) return SendError(res, NotFound("model '" + req->model + "' not found"));
  // An empty conversation or prompt only "loads" the model (clients use it to warm up).
  if ((ep == Endpoint::kChat && req->messages.empty()) || (ep == Endpoint::kGenerate && req->prompt.empty())) {
    Json j = Head(req->model);
    PutText(j, ep, "", "", Json::array());
    j["done"] = true;
    j["done_reason"] = "load";
    return SendJson(res, j);
  }
  const bool stream = req->stream;
  const std::string model = req->model;
  Result<std::unique_ptr<PreparedTurn>> prepared = engine.Prepare(std::move(*req), start);
  if (!prepared) return SendError(res, prepared.error());

  if (!stream) {
    Result<TurnResult> r = engine.Run(**prepared, {});
    if (!r) return SendError(res, r.error());
    Json calls = Json::array();
    for (size_t i = 0; i < r->tool_calls.size(); ++i)
      calls.push_back(ToolCallJson(r->tool_calls[i], static_cast<int>(i)));
    Json j = Head(model);
    PutText(j, ep, r->thinking, r->content, calls);
    PutMetrics(j, *r);
    return SendJson(res, j);
  }

  std::shared_ptr<PreparedTurn> turn(std::move(*prepared));
  res.set_chunked_content_provider("application/x-ndjson", [turn, &engine, ep, model](size_t, httplib::DataSink& sink) {
    auto write_line = [&](const Json& j) {
      const std::string line = Dump(j) + "\n";
      if (!sink.write(line.data(), line.size())) turn->cancel.store(true);
    };
    try {
      int call_index = 0;
      Result<TurnResult> r = engine.Run(*turn, [&](const ParseDelta& d) {
        if (turn->cancel.load() || !sink.is_writable()) {
          turn->cancel.store(true);
          return;
        }
        Json calls = Json::array();
        for (const ParsedToolCall& call : d.tool_calls) calls.push_back(ToolCallJson(call, call_index++));
        Json j = Head(model);
        PutText(j, ep, d.thinking_delta, d.content_delta, calls);
        j["done"] = false;
        write_line(j);
      });
      if (!r) {
        write_line(Json{{"error", r.error().message()}});
      } else if (!turn->cancel.load()) {
        Json j = Head(model);
        PutText(j, ep, "", "", Json::array());
        PutMetrics(j, *r);
        write_line(j);
      }
    } catch (const std::exception& e) {
      write_line(Json{{"error", std::string("internal error: ") + e.what()}});
    }
    sink.done();
    return true;
  });
}

// A stable identity for the file (not a content hash: hashing a multi-GB file per listing
// would be too slow). 64 hex digits like Ollama's manifest digests.
std::string FileDigest(const Engine& engine) {
  const std::string key =
      engine.options().path + "\n" + std::to_string(engine.file_size()) + "\n" + std::to_string(engine.file_mtime());
  std::string hex;
  for (uint64_t seed = 0; seed < 4; ++seed) {
    uint64_t h = 1469598103934665603ull ^ (seed * 0x9e3779b97f4a7c15ull);
    for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    hex += buf;
  }
  return hex;
}

Json Details() {
  return {{"parent_model", ""},     {"format", "gguf"},     {"family", "gemma4"},
          {"families", {"gemma4"}}, {"parameter_size", ""}, {"quantization_level", ""}};
}

Json Capabilities(const Engine& engine) {
  Json caps = {"completion"};
  if (!engine.bundle().chat_template.empty()) {
    caps.push_back("tools");
    caps.push_back("thinking");
  }
  return caps;
}

Json ModelEntry(const Engine& engine) {
  return {{"name", engine.FullName()},
          {"model", engine.FullName()},
          {"modified_at", FormatRfc3339(engine.file_mtime())},
          {"size", engine.file_size()},
          {"digest", FileDigest(engine)},
          {"details", Details()},
          {"capabilities", Capabilities(engine)}};
}

void HandleShow(Engine& engine, const httplib::Request& http, httplib::Response& res) {
  Result<Json> body = ParseBody(http);
  if (!body) return SendError(res, body.error());
  if (!body->is_object()) return SendError(res, InvalidArgument("request body must be a JSON object"));
  Result<std::string> name = ModelField(*body);
  if (!name) return SendError(res, name.error());
  if (!engine.Matches(*name)) return SendError(res, NotFound("model '" + *name + "' not found"));
  const SamplingParams& p = engine.bundle().defaults;
  const Gemma4Hparams& hp = engine.bundle().model->hparams();
  char params[160];
  std::snprintf(params, sizeof(params), "temperature %g\ntop_k %d\ntop_p %g", p.temperature, p.top_k, p.top_p);
  SendJson(res, {{"license", ""},
                 {"modelfile", "# Modelfile generated by hearth\nFROM " + engine.options().path + "\n"},
                 {"parameters", params},
                 {"template", engine.bundle().chat_template},
                 {"details", Details()},
                 {"model_info",
                  {{"general.architecture", "gemma4"},
                   {"gemma4.block_count", hp.n_layer},
                   {"gemma4.context_length", hp.n_ctx_train},
                   {"gemma4.embedding_length", hp.n_embd},
                   {"gemma4.vocab_size", hp.n_vocab}}},
                 {"capabilities", Capabilities(engine)},
                 {"modified_at", FormatRfc3339(engine.file_mtime())}});
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

void RegisterNativeRoutes(httplib::Server& http, Engine& engine) {
  http.Get("/", Guard([](const httplib::Request&, httplib::Response& res) {
             res.set_content("Ollama is running", "text/plain; charset=utf-8");
           }));
  http.Get("/metrics", Guard([&engine](const httplib::Request&, httplib::Response& res) {
             res.set_content(engine.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
           }));
  http.Get("/api/version", Guard([](const httplib::Request&, httplib::Response& res) {
             SendJson(res, {{"version", "0.1.0"}});
           }));
  http.Get("/api/tags", Guard([&engine](const httplib::Request&, httplib::Response& res) {
             SendJson(res, {{"models", Json::array({ModelEntry(engine)})}});
           }));
  http.Get("/api/ps", Guard([&engine](const httplib::Request&, httplib::Response& res) {
             Json entry = ModelEntry(engine);
             entry.erase("modified_at");
             entry.erase("capabilities");
             entry["expires_at"] = "2318-01-01T00:00:00Z";  // never unloaded
             entry["size_vram"] = 0;
             entry["context_length"] = engine.current_ctx();
             SendJson(res, {{"models", Json::array({entry})}});
           }));
  http.Post("/api/show",
            WithBody([&engine](const httplib::Request& req, httplib::Response& res) { HandleShow(engine, req, res); }));
  http.Post("/api/chat", WithBody([&engine](const httplib::Request& req, httplib::Response& res) {
              HandleTurn(engine, Endpoint::kChat, req, res);
            }));
  http.Post("/api/generate", WithBody([&engine](const httplib::Request& req, httplib::Response& res) {
              HandleTurn(engine, Endpoint::kGenerate, req, res);
            }));
  httplib::Server::Handler not_implemented = Guard([](const httplib::Request& req, httplib::Response& res) {
    SendError(res,
              Unsupported(req.path + " is not supported: `hearth serve` serves the one model file given with --model"));
  });
  for (const char* path : {"/api/pull", "/api/push", "/api/create", "/api/copy", "/api/embed", "/api/embeddings"}) {
    http.Post(path, WithBody(not_implemented));
  }
  http.Delete("/api/delete", not_implemented);
}

}  // namespace hearth::server
