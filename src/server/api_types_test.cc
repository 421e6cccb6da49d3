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

}  // namespace
}  // namespace hearth::server
