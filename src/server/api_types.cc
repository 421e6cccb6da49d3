// JSON -> TurnRequest for the Ollama and OpenAI endpoints. Every accessor checks the JSON type
// first, so nlohmann never throws from here (the routes still catch, as a second line).
#include "server/api_types.h"

#include <cmath>
#include <cstdint>

#include "sampling/json_schema.h"
#include "sampling/logit_cap.h"
#include "sampling/logprobs.h"

namespace hearth::server {
namespace {

constexpr int64_t kMaxTokens = int64_t{1} << 30;
// OpenAI's limit on the legacy completions' `logprobs`.
constexpr int kMaxCompletionLogprobs = 5;

Status TypeError(const std::string& field, const char* expected) {
  return InvalidArgument(field + ": expected " + expected);
}

// Reads an optional number into `out`; absent or null leaves it unchanged.
Status GetNumber(const Json& obj, const char* key, const std::string& prefix, std::optional<double>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_number()) return TypeError(prefix + key, "a number");
  const double v = it->get<double>();
  if (!std::isfinite(v)) return TypeError(prefix + key, "a finite number");
  *out = v;
  return Status::Ok();
}

// Integers sent as JSON floats are truncated (Ollama does the same).
Status GetInt(const Json& obj, const char* key, const std::string& prefix, int64_t lo, int64_t hi,
              std::optional<int64_t>* out) {
  std::optional<double> v;
  if (Status st = GetNumber(obj, key, prefix, &v); !st.ok()) return st;
  if (!v) return Status::Ok();
  const double t = std::trunc(*v);
  if (t < static_cast<double>(lo) || t > static_cast<double>(hi)) {
    // Values past 2^63 (a JSON number may be 7e116) cannot be converted to an integer to print.
    const std::string shown = std::fabs(t) < 1e18 ? std::to_string(static_cast<long long>(t)) : Json(t).dump();
    return InvalidArgument(prefix + key + ": " + shown + " is out of range [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]");
  }
  *out = static_cast<int64_t>(t);
  return Status::Ok();
}

Status GetBool(const Json& obj, const char* key, bool* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return TypeError(key, "true or false");
  *out = it->get<bool>();
  return Status::Ok();
}

// `stop`: a string or an array of strings.
Status GetStop(const Json& obj, const std::string& prefix, std::vector<std::string>* out) {
  auto it = obj.find("stop");
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (it->is_string()) {
    *out = {it->get<std::string>()};
    return Status::Ok();
  }
  if (!it->is_array()) return TypeError(prefix + "stop", "a string or an array of strings");
  out->clear();
  for (const Json& s : *it) {
    if (!s.is_string()) return TypeError(prefix + "stop", "an array of strings");
    if (!s.get_ref<const std::string&>().empty()) out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

// The sampling fields shared by Ollama `options` and the OpenAI body (same names).
Status ApplySampling(const Json& obj, const std::string& prefix, TurnRequest& req) {
  SamplingParams& p = req.gen.sampling;
  std::optional<double> d;
  std::optional<int64_t> i;
  auto number = [&](const char* key, float* field) -> Status {
    d.reset();
    if (Status st = GetNumber(obj, key, prefix, &d); !st.ok()) return st;
    if (d) *field = static_cast<float>(*d);
    return Status::Ok();
  };
  auto integer = [&](const char* key, int64_t lo, int64_t hi, int* field) -> Status {
    i.reset();
    if (Status st = GetInt(obj, key, prefix, lo, hi, &i); !st.ok()) return st;
    if (i) *field = static_cast<int>(*i);
    return Status::Ok();
  };
  for (auto [key, field] :
       {std::pair{"temperature", &p.temperature}, std::pair{"top_p", &p.top_p}, std::pair{"min_p", &p.min_p},
        std::pair{"repeat_penalty", &p.repeat_penalty}, std::pair{"presence_penalty", &p.presence_penalty},
        std::pair{"frequency_penalty", &p.frequency_penalty}}) {
    if (Status st = number(key, field); !st.ok()) return st;
  }
  if (Status st = integer("top_k", 0, kMaxTokens, &p.top_k); !st.ok()) return st;
  if (Status st = integer("repeat_last_n", -1, kMaxTokens, &p.repeat_last_n); !st.ok()) return st;
  i.reset();
  if (Status st = GetInt(obj, "seed", prefix, -1, INT64_MAX / 2, &i); !st.ok()) return st;
  if (i) p.seed = *i < 0 ? kRandomSeed : static_cast<uint64_t>(*i);
  if (Status st = GetStop(obj, prefix, &req.gen.stop); !st.ok()) return st;
  if (Status st = p.Validate(); !st.ok()) return InvalidArgument(prefix.empty() ? st.message() : prefix + st.message());
  return Status::Ok();
}

Status RequireMessages(const Json& body) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) return InvalidArgument("messages: required");
  if (!it->is_array()) return TypeError("messages", "an array");
  for (const Json& m : *it) {
    if (!m.is_object()) return TypeError("messages[]", "objects");
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return InvalidArgument("messages[].role: expected a string");
  }
  return Status::Ok();
}

Status GetTools(const Json& body, TurnRequest& req) {
  auto it = body.find("tools");
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return TypeError("tools", "an array");
  if (!it->empty()) req.tools = *it;
  return Status::Ok();
}

Result<bool> GetStream(const Json& body, bool default_value) {
  bool stream = default_value;
  if (Status st = GetBool(body, "stream", &stream); !st.ok()) return st;
  return stream;
}

// max_tokens / max_completion_tokens and stream_options, shared by the two OpenAI endpoints.
Status ApplyOpenAiLimits(const Json& body, TurnRequest& req) {
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    std::optional<int64_t> n;
    HEARTH_RETURN_IF_ERROR(GetInt(body, key, "", 0, kMaxTokens, &n));
    if (n) req.gen.num_predict = static_cast<int>(*n);
  }
  if (auto so = body.find("stream_options"); so != body.end() && !so->is_null()) {
    if (!so->is_object()) return TypeError("stream_options", "an object");
    HEARTH_RETURN_IF_ERROR(GetBool(*so, "include_usage", &req.include_usage));
  }
  return Status::Ok();
}

// Compiles `format` into req.gen.format; `field` names it in errors.
Status SetFormat(const Json& format, const std::string& field, TurnRequest& req) {
  Result<std::shared_ptr<const JsonGrammar>> grammar = CompileJsonFormat(format);
  if (!grammar) return InvalidArgument(field + ": " + grammar.error().message());
  req.gen.format = *grammar;
  return Status::Ok();
}

// OpenAI response_format: text (free), json_object (Ollama "json"), json_schema (its schema;
// without one, any object).
Status ApplyResponseFormat(const Json& body, TurnRequest& req) {
  auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return TypeError("response_format", "an object");
  const Json type = it->value("type", Json());
  const std::string t = type.is_string() ? type.get<std::string>() : "";
  if (t == "text") return Status::Ok();
  if (t == "json_object") return SetFormat(Json("json"), "response_format", req);
  if (t != "json_schema") {
    return InvalidArgument("response_format.type: expected \"text\", \"json_object\" or \"json_schema\"");
  }
  auto js = it->find("json_schema");
  if (js == it->end() || !js->is_object()) return TypeError("response_format.json_schema", "an object");
  auto schema = js->find("schema");
  if (schema == js->end() || schema->is_null()) return SetFormat(Json("json"), "response_format", req);
  if (!schema->is_object()) return TypeError("response_format.json_schema.schema", "a JSON schema object");
  return SetFormat(*schema, "response_format.json_schema.schema", req);
}

// `logprobs` (bool) and `top_logprobs` (0-20) of Ollama's /api/chat, /api/generate and OpenAI's
// chat completions (spec §1.3, §2.1); top_logprobs without logprobs asks for nothing.
Status ApplyLogprobs(const Json& body, TurnRequest& req) {
  bool wanted = false;
  HEARTH_RETURN_IF_ERROR(GetBool(body, "logprobs", &wanted));
  int top = 0;
  if (auto it = body.find("top_logprobs"); it != body.end() && !it->is_null()) {
    if (!it->is_number()) return TypeError("top_logprobs", "a number");
    const double v = std::trunc(it->get<double>());
    HEARTH_RETURN_IF_ERROR(CheckTopLogprobs(v));
    top = static_cast<int>(v);
  }
  if (wanted) req.gen.top_logprobs = top;
  return Status::Ok();
}

// hearth's own chat-completion extras (issue: "the seed's extra fields"), read after the standard
// thinking controls so they win: `thinking_mode` (true/false, "on"/"off", or "auto" = the
// template's default), `max_thinking_tokens` (-1 = unlimited; the thought channel is closed when
// the budget is spent) and `logit_cap` (final soft-cap for this request, 0 = none; logit_cap.h).
Status ApplyThinkingExtras(const Json& body, TurnRequest& req) {
  if (auto mode = body.find("thinking_mode"); mode != body.end() && !mode->is_null()) {
    if (mode->is_boolean()) {
      req.think = mode->get<bool>();
    } else if (mode->is_string() && (*mode == "on" || *mode == "off" || *mode == "auto")) {
      req.think = *mode == "auto" ? std::nullopt : std::optional<bool>(*mode == "on");
    } else {
      return TypeError("thinking_mode", "true, false, \"on\", \"off\" or \"auto\"");
    }
  }
  std::optional<int64_t> budget;
  HEARTH_RETURN_IF_ERROR(GetInt(body, "max_thinking_tokens", "", -1, kMaxTokens, &budget));
  if (budget) req.gen.max_thinking_tokens = static_cast<int>(*budget);
  std::optional<double> cap;
  HEARTH_RETURN_IF_ERROR(GetNumber(body, "logit_cap", "", &cap));
  if (cap) {
    HEARTH_RETURN_IF_ERROR(CheckLogitCap(*cap));
    req.gen.logit_cap = static_cast<float>(*cap);
  }
  return Status::Ok();
}

// OpenAI legacy completions: `logprobs` is the number of alternatives, 0-5 (null: none).
Status ApplyCompletionLogprobs(const Json& body, TurnRequest& req) {
  auto it = body.find("logprobs");
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_number()) return TypeError("logprobs", "an integer between 0 and 5");
  const double v = std::trunc(it->get<double>());
  if (!(v >= 0 && v <= kMaxCompletionLogprobs)) return InvalidArgument("logprobs must be between 0 and 5");
  req.gen.top_logprobs = static_cast<int>(v);
  return Status::Ok();
}

TurnRequest NewRequest(const SamplingParams& defaults) {
  TurnRequest req;
  req.gen.sampling = defaults;
  return req;
}

}  // namespace

Result<std::string> ModelField(const Json& body) {
  for (const char* key : {"model", "name"}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string()) return TypeError(key, "a string");
    if (!it->get_ref<const std::string&>().empty()) return it->get<std::string>();
  }
  return InvalidArgument("model is required");
}

Status ApplyOllamaOptions(const Json& options, TurnRequest& req) {
  if (options.is_null()) return Status::Ok();
  if (!options.is_object()) return TypeError("options", "an object");
  if (Status st = ApplySampling(options, "options.", req); !st.ok()) return st;
  std::optional<int64_t> i;
  if (Status st = GetInt(options, "num_predict", "options.", -2, kMaxTokens, &i); !st.ok()) return st;
  // -2 ("fill the context") behaves like -1 here: generation stops at the end of the context.
  if (i) req.gen.num_predict = *i < 0 ? -1 : static_cast<int>(*i);
  i.reset();
  if (Status st = GetInt(options, "num_ctx", "options.", 1, kMaxTokens, &i); !st.ok()) return st;
  if (i) req.num_ctx = static_cast<int>(*i);
  return Status::Ok();
}

Status ApplyOllamaThink(const Json& think, TurnRequest& req) {
  if (think.is_null()) return Status::Ok();
  if (think.is_boolean()) {
    req.think = think.get<bool>();
    return Status::Ok();
  }
  if (think.is_string()) {
    const std::string& s = think.get_ref<const std::string&>();
    if (s == "low" || s == "medium" || s == "high" || s == "max") {
      req.think = true;
      return Status::Ok();
    }
    return InvalidArgument("invalid think value: \"" + s +
                           "\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)");
  }
  return TypeError("think", "true, false or a level string");
}

Status ApplyFormat(const Json& format, TurnRequest& req) {
  if (format.is_null() || (format.is_string() && format.get_ref<const std::string&>().empty())) return Status::Ok();
  if (!format.is_string() && !format.is_object()) return TypeError("format", "\"json\" or a JSON schema object");
  return SetFormat(format, "format", req);
}

Result<TurnRequest> ParseOllamaChat(const Json& body, const SamplingParams& defaults) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  TurnRequest req = NewRequest(defaults);
  HEARTH_ASSIGN_OR_RETURN(req.model, ModelField(body));
  HEARTH_ASSIGN_OR_RETURN(req.stream, GetStream(body, true));
  HEARTH_RETURN_IF_ERROR(RequireMessages(body));
  req.messages = body["messages"];
  HEARTH_RETURN_IF_ERROR(GetTools(body, req));
  HEARTH_RETURN_IF_ERROR(ApplyOllamaThink(body.value("think", Json()), req));
  HEARTH_RETURN_IF_ERROR(ApplyOllamaOptions(body.value("options", Json()), req));
  HEARTH_RETURN_IF_ERROR(ApplyFormat(body.value("format", Json()), req));
  HEARTH_RETURN_IF_ERROR(ApplyLogprobs(body, req));
  return req;
}

Result<TurnRequest> ParseOllamaGenerate(const Json& body, const SamplingParams& defaults) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  TurnRequest req = NewRequest(defaults);
  HEARTH_ASSIGN_OR_RETURN(req.model, ModelField(body));
  HEARTH_ASSIGN_OR_RETURN(req.stream, GetStream(body, true));
  HEARTH_RETURN_IF_ERROR(GetBool(body, "raw", &req.raw));
  std::string system;
  for (auto [key, out] : {std::pair{"prompt", &req.prompt}, std::pair{"system", &system}}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string()) return TypeError(key, "a string");
    *out = it->get<std::string>();
  }
  if (req.raw && (!system.empty() || body.contains("template") || body.contains("context"))) {
    return InvalidArgument("raw mode does not support template, system, or context");
  }
  if (!req.raw) {
    if (!system.empty()) req.messages.push_back({{"role", "system"}, {"content", system}});
    req.messages.push_back({{"role", "user"}, {"content", req.prompt}});
  }
  HEARTH_RETURN_IF_ERROR(ApplyOllamaThink(body.value("think", Json()), req));
  HEARTH_RETURN_IF_ERROR(ApplyOllamaOptions(body.value("options", Json()), req));
  HEARTH_RETURN_IF_ERROR(ApplyFormat(body.value("format", Json()), req));
  HEARTH_RETURN_IF_ERROR(ApplyLogprobs(body, req));
  return req;
}

Result<TurnRequest> ParseOpenAiChat(const Json& body, const SamplingParams& defaults) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  TurnRequest req = NewRequest(defaults);
  HEARTH_ASSIGN_OR_RETURN(req.model, ModelField(body));
  HEARTH_ASSIGN_OR_RETURN(req.stream, GetStream(body, false));
  HEARTH_RETURN_IF_ERROR(RequireMessages(body));
  req.messages = body["messages"];
  if (req.messages.empty()) return InvalidArgument("messages: at least one message is required");
  HEARTH_RETURN_IF_ERROR(GetTools(body, req));
  HEARTH_RETURN_IF_ERROR(ApplySampling(body, "", req));
  HEARTH_RETURN_IF_ERROR(ApplyOpenAiLimits(body, req));
  HEARTH_RETURN_IF_ERROR(ApplyResponseFormat(body, req));
  HEARTH_RETURN_IF_ERROR(ApplyLogprobs(body, req));
  // Thinking: reasoning_effort / reasoning.effort ("none" = off), think, chat_template_kwargs.
  Json effort = body.value("reasoning_effort", Json());
  if (auto r = body.find("reasoning"); effort.is_null() && r != body.end() && r->is_object()) {
    effort = r->value("effort", Json());
  }
  if (!effort.is_null()) {
    if (!effort.is_string()) return TypeError("reasoning_effort", "a string");
    const std::string& e = effort.get_ref<const std::string&>();
    if (e == "none") {
      req.think = false;
    } else if (e == "minimal" || e == "low" || e == "medium" || e == "high" || e == "xhigh" || e == "max") {
      req.think = true;
    } else {
      return InvalidArgument("invalid reasoning_effort \"" + e + "\" (none, minimal, low, medium, high, xhigh, max)");
    }
  }
  HEARTH_RETURN_IF_ERROR(ApplyOllamaThink(body.value("think", Json()), req));
  if (auto k = body.find("chat_template_kwargs"); k != body.end() && !k->is_null()) {
    if (!k->is_object()) return TypeError("chat_template_kwargs", "an object");
    Json kwargs = *k;
    if (auto et = kwargs.find("enable_thinking"); et != kwargs.end()) {
      if (!et->is_boolean()) return TypeError("chat_template_kwargs.enable_thinking", "true or false");
      req.think = et->get<bool>();
      kwargs.erase("enable_thinking");
    }
    if (!kwargs.empty()) req.template_kwargs = kwargs;
  }
  HEARTH_RETURN_IF_ERROR(ApplyThinkingExtras(body, req));
  // llama-server style extras on the top level.
  std::optional<int64_t> n;
  HEARTH_RETURN_IF_ERROR(GetInt(body, "num_ctx", "", 1, kMaxTokens, &n));
  if (n) req.num_ctx = static_cast<int>(*n);
  if (auto o = body.find("options"); o != body.end()) HEARTH_RETURN_IF_ERROR(ApplyOllamaOptions(*o, req));
  return req;
}

// Ollama's /v1/completions turns the body into an /api/generate request without `raw`, so the
// prompt is rendered through the chat template as one user turn (instruction-tuned Gemma 4
// answers a bare prompt poorly). Thinking stays at the template's default (off): the legacy
// response has no field for reasoning, and hidden thoughts would eat max_tokens.
Result<CompletionRequest> ParseOpenAiCompletion(const Json& body, const SamplingParams& defaults) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  CompletionRequest out;
  TurnRequest& req = out.turn;
  req = NewRequest(defaults);
  HEARTH_ASSIGN_OR_RETURN(req.model, ModelField(body));
  HEARTH_ASSIGN_OR_RETURN(req.stream, GetStream(body, false));
  auto prompt = body.find("prompt");
  if (prompt == body.end() || prompt->is_null()) return InvalidArgument("prompt: required");
  if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    req.prompt = (*prompt)[0].get<std::string>();
  } else if (prompt->is_string()) {
    req.prompt = prompt->get<std::string>();
  } else {
    return TypeError("prompt", "a string (or an array of one string)");
  }
  if (auto suffix = body.find("suffix"); suffix != body.end() && !suffix->is_null()) {
    if (!suffix->is_string()) return TypeError("suffix", "a string");
    if (!suffix->get_ref<const std::string&>().empty()) return InvalidArgument("suffix is not supported");
  }
  HEARTH_RETURN_IF_ERROR(GetBool(body, "echo", &out.echo));
  HEARTH_RETURN_IF_ERROR(ApplySampling(body, "", req));
  HEARTH_RETURN_IF_ERROR(ApplyOpenAiLimits(body, req));
  HEARTH_RETURN_IF_ERROR(ApplyCompletionLogprobs(body, req));
  req.messages.push_back({{"role", "user"}, {"content", req.prompt}});
  return out;
}

}  // namespace hearth::server
