// Request decoding: types, ranges, defaults and the thinking switches of both APIs; address parsing.
#include "server/api_types.h"

#include <gtest/gtest.h>

#include "server/server.h"

namespace hearth::server {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(ApiTypes, OllamaChatDefaultsAndOptions) {
  SamplingParams defaults;
  Result<TurnRequest> r =
      ParseOllamaChat(J(R"({"name":"m","messages":[{"role":"user","content":"hi"}],"think":false,"unknown":1,
           "options":{"temperature":0.5,"top_k":7.9,"num_predict":3,"stop":["x"],"seed":-1,"numa":true}})"),
                      defaults);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->model, "m");
  EXPECT_TRUE(r->stream);
  EXPECT_EQ(r->think, std::optional<bool>(false));
  EXPECT_FLOAT_EQ(r->gen.sampling.temperature, 0.5f);
  EXPECT_EQ(r->gen.sampling.top_k, 7);
  EXPECT_EQ(r->gen.num_predict, 3);
  EXPECT_EQ(r->gen.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(r->gen.sampling.seed, kRandomSeed);
  EXPECT_FLOAT_EQ(r->gen.sampling.top_p, defaults.top_p);
}

TEST(ApiTypes, RejectsWrongTypesAndRanges) {
  const SamplingParams d;
  for (const char* body :
       {R"({"model":"m","messages":[],"options":{"temperature":-5}})",
        R"({"model":"m","messages":[],"options":{"temperature":"hot"}})",
        R"({"model":"m","messages":[],"options":{"top_k":-1}})",
        R"({"model":"m","messages":[],"options":{"num_ctx":0}})",
        R"({"model":"m","messages":[],"options":{"stop":[1]}})", R"({"model":"m","messages":[],"think":"very"})",
        R"({"model":"m","messages":"hi"})", R"({"model":"m","messages":[{"content":"no role"}]})",
        R"({"model":5,"messages":[]})", R"({"messages":[]})", R"([1,2])"}) {
    Result<TurnRequest> r = ParseOllamaChat(J(body), d);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(ApiTypes, GenerateRawAndSystem) {
  const SamplingParams d;
  Result<TurnRequest> raw = ParseOllamaGenerate(J(R"({"model":"m","prompt":"p","raw":true,"stream":false})"), d);
  ASSERT_TRUE(raw);
  EXPECT_TRUE(raw->raw);
  EXPECT_FALSE(raw->stream);
  EXPECT_TRUE(raw->messages.empty());
  EXPECT_FALSE(ParseOllamaGenerate(J(R"({"model":"m","prompt":"p","raw":true,"system":"s"})"), d));
  Result<TurnRequest> chat = ParseOllamaGenerate(J(R"({"model":"m","prompt":"p","system":"s"})"), d);
  ASSERT_TRUE(chat);
  ASSERT_EQ(chat->messages.size(), 2u);
  EXPECT_EQ(chat->messages[0]["role"], "system");
}

TEST(ApiTypes, OpenAiThinkingAndLimits) {
  const SamplingParams d;
  Result<TurnRequest> r =
      ParseOpenAiChat(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":9,
           "reasoning_effort":"none","stream":true,"stream_options":{"include_usage":true},"stop":"END"})"),
                      d);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->think, std::optional<bool>(false));
  EXPECT_EQ(r->gen.num_predict, 9);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->gen.stop, std::vector<std::string>{"END"});
  Result<TurnRequest> k = ParseOpenAiChat(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
           "chat_template_kwargs":{"enable_thinking":true,"preserve_thinking":true}})"),
                                          d);
  ASSERT_TRUE(k);
  EXPECT_FALSE(k->stream);
  EXPECT_EQ(k->think, std::optional<bool>(true));
  EXPECT_EQ(k->template_kwargs, J(R"({"preserve_thinking":true})"));
  EXPECT_FALSE(ParseOpenAiChat(J(R"({"model":"m","messages":[]})"), d));
  EXPECT_FALSE(ParseOpenAiChat(J(R"({"model":"m","messages":[{"role":"user"}],"reasoning_effort":"lots"})"), d));
  EXPECT_FALSE(ParseOpenAiChat(J(R"({"model":"m","messages":[{"role":"user"}],"max_tokens":-1})"), d));
}

TEST(ApiTypes, OpenAiHearthExtras) {
  const SamplingParams d;
  Result<TurnRequest> r = ParseOpenAiChat(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
           "reasoning_effort":"high","thinking_mode":"auto","max_thinking_tokens":64,"logit_cap":12.5})"),
                                          d);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->think, std::nullopt);  // thinking_mode wins over reasoning_effort
  EXPECT_EQ(r->gen.max_thinking_tokens, 64);
  EXPECT_EQ(r->gen.logit_cap, std::optional<float>(12.5f));
  Result<TurnRequest> plain = ParseOpenAiChat(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"), d);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->gen.max_thinking_tokens, -1);
  EXPECT_EQ(plain->gen.logit_cap, std::nullopt);
  for (const char* bad : {R"("thinking_mode":"sometimes")", R"("thinking_mode":1)", R"("max_thinking_tokens":-2)",
                          R"("logit_cap":-0.5)", R"("logit_cap":1001)", R"("logit_cap":"30")"}) {
    const std::string body = std::string(R"({"model":"m","messages":[{"role":"user","content":"hi"}],)") + bad + "}";
    EXPECT_FALSE(ParseOpenAiChat(Json::parse(body), d)) << bad;
  }
}

// Found by api_request_fuzz: the out-of-range message once converted 7e116 to long long (UB).
TEST(ApiTypes, HugeIntegerFieldsAreRefusedWithTheirValue) {
  const SamplingParams d;
  Result<TurnRequest> r = ParseOpenAiChat(
      J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_thinking_tokens":7e116})"), d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("max_thinking_tokens: 7e+116 is out of range"), std::string::npos)
      << r.error().message();
  Result<TurnRequest> n = ParseOpenAiChat(
      J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"num_ctx":-1e300})"), d);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message().find("-1e+300"), std::string::npos) << n.error().message();
}

TEST(ServerOptions, ParseHostPort) {
  std::string host = "127.0.0.1";
  int port = 11434;
  ASSERT_TRUE(ParseHostPort("", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  ASSERT_TRUE(ParseHostPort("0.0.0.0:8080", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(ParseHostPort("http://localhost:9000/", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 9000);
  ASSERT_TRUE(ParseHostPort(":1234", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 1234);
  ASSERT_TRUE(ParseHostPort("[::1]:5000", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 5000);
  EXPECT_FALSE(ParseHostPort("host:99999", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("host:abc", &host, &port).ok());
}

TEST(ApiTypes, OllamaFormat) {
  const SamplingParams d;
  const char* chat = R"({"model":"m","messages":[{"role":"user","content":"hi"}],"format":%s})";
  auto parse = [&](const std::string& format) {
    std::string body = chat;
    body.replace(body.find("%s"), 2, format);
    return ParseOllamaChat(J(body.c_str()), d);
  };
  for (const char* none : {"null", R"("")"}) {
    Result<TurnRequest> r = parse(none);
    ASSERT_TRUE(r) << none;
    EXPECT_EQ(r->gen.format, nullptr) << none;
  }
  Result<TurnRequest> json = parse(R"("json")");
  ASSERT_TRUE(json);
  ASSERT_NE(json->gen.format, nullptr);
  EXPECT_EQ(json->gen.format->nodes[json->gen.format->root].kind, JsonGrammar::Kind::kObject);
  Result<TurnRequest> schema = parse(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})");
  ASSERT_TRUE(schema);
  ASSERT_NE(schema->gen.format, nullptr);
  EXPECT_EQ(schema->gen.format->nodes[schema->gen.format->root].properties.size(), 1u);
  for (const char* bad : {R"("yaml")", "5", "[1]", "true", R"({"type":"strin"})", R"({"$ref":"#/$defs/x"})"}) {
    Result<TurnRequest> r = parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().message().rfind("format", 0), 0u) << r.error().message();
  }
  Result<TurnRequest> gen = ParseOllamaGenerate(J(R"({"model":"m","prompt":"p","format":"json"})"), d);
  ASSERT_TRUE(gen);
  EXPECT_NE(gen->gen.format, nullptr);
}

TEST(ApiTypes, OpenAiResponseFormat) {
  const SamplingParams d;
  auto parse = [&](const char* response_format) {
    Json body = J(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
    body["response_format"] = J(response_format);
    return ParseOpenAiChat(body, d);
  };
  Result<TurnRequest> text = parse(R"({"type":"text"})");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->gen.format, nullptr);
  Result<TurnRequest> object = parse(R"({"type":"json_object"})");
  ASSERT_TRUE(object);
  ASSERT_NE(object->gen.format, nullptr);
  EXPECT_TRUE(object->gen.format->nodes[object->gen.format->root].properties.empty());
  Result<TurnRequest> schema = parse(R"({"type":"json_schema","json_schema":{"name":"n","strict":true,
      "schema":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"boolean"}},"required":["a","b"]}}})");
  ASSERT_TRUE(schema) << schema.error().message();
  ASSERT_NE(schema->gen.format, nullptr);
  EXPECT_EQ(schema->gen.format->nodes[schema->gen.format->root].properties.size(), 2u);
  for (const char* bad : {R"("json")", R"({"type":"xml"})", R"({"type":"json_schema"})",
                          R"({"type":"json_schema","json_schema":{"name":"n","schema":"x"}})",
                          R"({"type":"json_schema","json_schema":{"name":"n","schema":{"type":"nope"}}})"}) {
    Result<TurnRequest> r = parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("response_format"), std::string::npos) << r.error().message();
  }
}

TEST(ApiTypes, OpenAiCompletion) {
  SamplingParams d;
  Result<CompletionRequest> r = ParseOpenAiCompletion(
      J(R"({"model":"m","prompt":"Once","max_tokens":5,"temperature":0.2,"top_p":0.5,"stop":"\n","seed":3,
           "echo":true,"suffix":"","frequency_penalty":0.5,"presence_penalty":-0.5,
           "stream_options":{"include_usage":true}})"),
      d);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->turn.stream);
  EXPECT_TRUE(r->echo);
  EXPECT_TRUE(r->turn.include_usage);
  EXPECT_EQ(r->turn.prompt, "Once");
  EXPECT_EQ(r->turn.gen.num_predict, 5);
  EXPECT_FLOAT_EQ(r->turn.gen.sampling.temperature, 0.2f);
  EXPECT_FLOAT_EQ(r->turn.gen.sampling.top_p, 0.5f);
  EXPECT_FLOAT_EQ(r->turn.gen.sampling.frequency_penalty, 0.5f);
  EXPECT_FLOAT_EQ(r->turn.gen.sampling.presence_penalty, -0.5f);
  EXPECT_EQ(r->turn.gen.sampling.seed, 3u);
  EXPECT_EQ(r->turn.gen.stop, std::vector<std::string>{"\n"});
  EXPECT_FALSE(r->turn.raw);
  ASSERT_EQ(r->turn.messages.size(), 1u);
  EXPECT_EQ(r->turn.messages[0]["content"], "Once");
  EXPECT_EQ(r->turn.think, std::nullopt);
  Result<CompletionRequest> one = ParseOpenAiCompletion(J(R"({"model":"m","prompt":["only"],"stream":true})"), d);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->turn.prompt, "only");
  EXPECT_TRUE(one->turn.stream);
  EXPECT_FALSE(one->echo);
  const std::pair<const char*, const char*> bad[] = {
      {R"({"model":"m"})", "prompt: required"},
      {R"({"model":"m","prompt":["a","b"]})", "prompt: expected"},
      {R"({"model":"m","prompt":[1]})", "prompt: expected"},
      {R"({"model":"m","prompt":5})", "prompt: expected"},
      {R"({"model":"m","prompt":"p","suffix":"end"})", "suffix is not supported"},
      {R"({"model":"m","prompt":"p","echo":"yes"})", "echo"},
      {R"({"model":"m","prompt":"p","max_tokens":-1})", "max_tokens"},
      {R"({"model":"m","prompt":"p","temperature":-1})", "temperature"},
      {R"({"prompt":"p"})", "model is required"},
  };
  for (const auto& [body, message] : bad) {
    Result<CompletionRequest> e = ParseOpenAiCompletion(J(body), d);
    ASSERT_FALSE(e) << body;
    EXPECT_NE(e.error().message().find(message), std::string::npos) << body << " -> " << e.error().message();
  }
}

}  // namespace
}  // namespace hearth::server

namespace hearth::server {
namespace {

TEST(ApiTypes, LogprobsFields) {
  const SamplingParams d;
  const char* chat = R"({"model":"m","messages":[{"role":"user","content":"hi"}])";
  auto with = [&](const std::string& extra) { return Json::parse(std::string(chat) + extra + "}"); };
  EXPECT_EQ(ParseOllamaChat(with(""), d)->gen.top_logprobs, -1);
  EXPECT_EQ(ParseOllamaChat(with(R"(,"logprobs":true)"), d)->gen.top_logprobs, 0);
  EXPECT_EQ(ParseOllamaChat(with(R"(,"logprobs":true,"top_logprobs":20)"), d)->gen.top_logprobs, 20);
  EXPECT_EQ(ParseOpenAiChat(with(R"(,"logprobs":true,"top_logprobs":3)"), d)->gen.top_logprobs, 3);
  // top_logprobs alone asks for nothing, but its range is still checked.
  EXPECT_EQ(ParseOpenAiChat(with(R"(,"top_logprobs":3)"), d)->gen.top_logprobs, -1);
  for (const char* extra : {R"(,"logprobs":true,"top_logprobs":21)", R"(,"logprobs":true,"top_logprobs":-1)",
                            R"(,"top_logprobs":100)"}) {
    Result<TurnRequest> r = ParseOllamaChat(with(extra), d);
    ASSERT_FALSE(r) << extra;
    EXPECT_EQ(r.error().message(), "top_logprobs must be between 0 and 20");
    EXPECT_FALSE(ParseOpenAiChat(with(extra), d)) << extra;
  }
  EXPECT_FALSE(ParseOllamaChat(with(R"(,"logprobs":"yes")"), d));
  Result<TurnRequest> g =
      ParseOllamaGenerate(Json::parse(R"({"model":"m","prompt":"x","logprobs":true,"top_logprobs":2})"), d);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->gen.top_logprobs, 2);

  Result<CompletionRequest> c = ParseOpenAiCompletion(Json::parse(R"({"model":"m","prompt":"x","logprobs":5})"), d);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->turn.gen.top_logprobs, 5);
  EXPECT_EQ(ParseOpenAiCompletion(Json::parse(R"({"model":"m","prompt":"x"})"), d)->turn.gen.top_logprobs, -1);
  Result<CompletionRequest> bad = ParseOpenAiCompletion(Json::parse(R"({"model":"m","prompt":"x","logprobs":6})"), d);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "logprobs must be between 0 and 5");
}

}  // namespace
}  // namespace hearth::server
