// The OpenAI API: /v1/chat/completions and /v1/completions (JSON or SSE) and /v1/models.
// Reasoning is sent as both `reasoning` (Ollama's name) and `reasoning_content` (llama-server's);
// tool calls arrive whole, one delta each, with index, id and type (valid for openai-node's
// stream helper). `logprobs` (spec §2.1, §2.2) list the content tokens only.
#include <memory>
#include <span>
#include <string>

#include "server/http_util.h"
#include "server/logprobs_json.h"
#include "server/openai_common.h"
#include "server/routes.h"

namespace hearth::server {
namespace {

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

// The `include_usage` chunk: empty choices and the usage.
void SendUsage(const Json& head, const TurnResult& r, const SendEvent& send) {
  Json j = head;
  j["choices"] = Json::array();
  j["usage"] = Usage(r);
  send(j);
}

Json ModelObject(const ListedModel& m) {
  return {{"id", m.name}, {"object", "model"}, {"created", m.modified}, {"owned_by", "library"}};
}

void HandleChat(ModelManager& models, const ConnectionGuard& connections, const httplib::Request& http,
                httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendOpenAiError(res, body.error());
  Result<OpenAiTurn> prepared = PrepareOpenAiTurn(models, std::move(*body), start);
  if (!prepared) return SendOpenAiError(res, prepared.error());
  Engine& engine = *prepared->engine;
  std::shared_ptr<PreparedTurn> turn = std::move(prepared->turn);
  const bool stream = turn->req.stream, include_usage = turn->req.include_usage;
  const Json head = {{"id", RandomId("chatcmpl-", 12)},
                     {"object", stream ? "chat.completion.chunk" : "chat.completion"},
                     {"created", UnixSeconds()},
                     {"model", turn->req.model},
                     {"system_fingerprint", "fp_hearth"}};
  // Only tokens released as content are listed: the API has no place for reasoning tokens'
  // log-probabilities, and `content` must line up with message.content.
  const TokenPieces pieces = RenderedPieces(*engine.bundle().tokenizer);
  const bool wants_logprobs = turn->wants_logprobs();
  auto logprobs_json = [pieces, wants_logprobs](std::span<const StepLogprobs> steps) {
    return wants_logprobs ? ChatLogprobsJson(steps, pieces) : Json();
  };

  if (!stream) {
    Result<TurnResult> r = engine.Run(*turn, {}, connections.AliveProbe(http.remote_addr, http.remote_port));
    if (!r) return SendOpenAiError(res, r.error());
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
    j["choices"] = Json::array({{{"index", 0},
                                 {"message", message},
                                 {"finish_reason", FinishReason(*r)},
                                 {"logprobs", logprobs_json(r->content_logprobs)}}});
    j["usage"] = Usage(*r);
    return res.set_content(Dump(j), "application/json");
  }

  auto chunk = [head](const Json& delta, const Json& finish_reason, Json logprobs = Json()) {
    Json j = head;
    j["choices"] = Json::array(
        {{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}, {"logprobs", std::move(logprobs)}}});
    return j;
  };
  auto call_index = std::make_shared<int>(0);
  StreamTurn(res, engine, std::move(turn), StreamFraming::kSse,
             {.open =
                  [chunk](const SendEvent& send) { send(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)); },
              .delta =
                  [chunk, call_index, logprobs_json](const TurnDelta& td, const SendEvent& send) {
                    const ParseDelta& d = td.parsed;
                    if (!d.thinking_delta.empty())
                      send(chunk({{"reasoning", d.thinking_delta}, {"reasoning_content", d.thinking_delta}}, nullptr));
                    if (!d.content_delta.empty()) {
                      send(chunk({{"content", d.content_delta}}, nullptr, logprobs_json(td.content_logprobs)));
                    }
                    if (!d.tool_calls.empty()) {
                      Json calls = Json::array();
                      for (const ParsedToolCall& call : d.tool_calls) {
                        calls.push_back(ToolCallJson(call, (*call_index)++));
                      }
                      send(chunk({{"tool_calls", calls}}, nullptr));
                    }
                  },
              .finish =
                  [chunk, head, include_usage](const TurnResult& r, const SendEvent& send) {
                    send(chunk(Json::object(), FinishReason(r)));
                    if (include_usage) SendUsage(head, r, send);
                  },
              .fail = SendOpenAiStreamError});
}

// POST /v1/completions: one prompt in, text out (the prompt's rendering is decided in
// ParseOpenAiCompletion). Chunks carry `choices[0].text`; the last one carries finish_reason.
// An echoed prompt has no log-probabilities; `text_offset` counts from the start of `text`.
void HandleCompletion(ModelManager& models, const ConnectionGuard& connections, const httplib::Request& http,
                      httplib::Response& res) {
  const Clock::time_point start = Clock::now();
  Result<Json> body = ParseBody(http);
  if (!body) return SendOpenAiError(res, body.error());
  bool echo = false;
  Result<OpenAiTurn> prepared = PrepareOpenAiTurn(
      models, std::move(*body), start, [&echo](const Json& b, const SamplingParams& defaults) -> Result<TurnRequest> {
        HEARTH_ASSIGN_OR_RETURN(CompletionRequest c, ParseOpenAiCompletion(b, defaults));
        echo = c.echo;
        return std::move(c.turn);
      });
  if (!prepared) return SendOpenAiError(res, prepared.error());
  Engine& engine = *prepared->engine;
  std::shared_ptr<PreparedTurn> turn = std::move(prepared->turn);
  const bool stream = turn->req.stream, include_usage = turn->req.include_usage;
  const std::string model = turn->req.model;
  const std::string echoed = echo ? turn->req.prompt : "";
  const Json head = {{"id", RandomId("cmpl-", 12)},
                     {"object", "text_completion"},
                     {"created", UnixSeconds()},
                     {"model", model},
                     {"system_fingerprint", "fp_hearth"}};
  const TokenPieces pieces = RenderedPieces(*engine.bundle().tokenizer);
  const bool wants_logprobs = turn->wants_logprobs();
  // Byte offset of the next token in the choice's text, continued across a stream's chunks.
  auto text_offset = std::make_shared<size_t>(echoed.size());
  auto with_choice = [head, pieces, wants_logprobs, text_offset](const std::string& text, const Json& finish_reason,
                                                           std::span<const StepLogprobs> steps = {}) {
    Json logprobs = wants_logprobs ? CompletionLogprobsJson(steps, pieces, text_offset.get()) : Json();
    Json j = head;
    j["choices"] = Json::array(
        {{{"text", text}, {"index", 0}, {"logprobs", std::move(logprobs)}, {"finish_reason", finish_reason}}});
    return j;
  };

  if (!stream) {
    Result<TurnResult> r = engine.Run(*turn, {}, connections.AliveProbe(http.remote_addr, http.remote_port));
    if (!r) return SendOpenAiError(res, r.error());
    Json j = with_choice(echoed + r->content, FinishReason(*r), r->content_logprobs);
    j["usage"] = Usage(*r);
    return res.set_content(Dump(j), "application/json");
  }

  StreamTurn(res, engine, std::move(turn), StreamFraming::kSse,
             {.open = [with_choice, echoed](const SendEvent& send) {
                if (!echoed.empty()) send(with_choice(echoed, nullptr));
              },
              .delta =
                  [with_choice](const TurnDelta& d, const SendEvent& send) {
                    if (!d.parsed.content_delta.empty()) {
                      send(with_choice(d.parsed.content_delta, nullptr, d.content_logprobs));
                    }
                  },
              .finish =
                  [with_choice, head, include_usage](const TurnResult& r, const SendEvent& send) {
                    send(with_choice("", FinishReason(r)));
                    if (include_usage) SendUsage(head, r, send);
                  },
              .fail = SendOpenAiStreamError});
}

}  // namespace

void RegisterOpenAiRoutes(httplib::Server& http, ModelManager& models, const ConnectionGuard& connections) {
  http.Post("/v1/chat/completions",
            WithBody([&models, &connections](const httplib::Request& req, httplib::Response& res) {
              HandleChat(models, connections, req, res);
            }));
  http.Post("/v1/completions", WithBody([&models, &connections](const httplib::Request& req, httplib::Response& res) {
              HandleCompletion(models, connections, req, res);
            }));
  http.Get("/v1/models", Guard([&models](const httplib::Request&, httplib::Response& res) {
             Result<std::vector<ListedModel>> listed = ListModels(models);
             if (!listed) return SendOpenAiError(res, listed.error());
             Json data = Json::array();
             for (const ListedModel& m : *listed) data.push_back(ModelObject(m));
             res.set_content(Dump(Json{{"object", "list"}, {"data", data}}), "application/json");
           }));
  http.Get(R"(/v1/models/(.+))", Guard([&models](const httplib::Request& req, httplib::Response& res) {
             const std::string id = req.matches[1];
             Result<std::vector<ListedModel>> listed = ListModels(models);
             if (!listed) return SendOpenAiError(res, listed.error());
             for (const ListedModel& m : *listed) {
               if (ModelManager::Key(m.name) == ModelManager::Key(id)) {
                 return res.set_content(Dump(ModelObject(m)), "application/json");
               }
             }
             SendOpenAiError(res, NotFound("model '" + id + "' not found"));
           }));
}

}  // namespace hearth::server
