// ResponsesToChatBody: Responses API bodies -> the equivalent chat-completions body.
#include "server/responses_request.h"

#include <gtest/gtest.h>

#include <utility>

#include "server/http_util.h"

namespace hearth::server {
namespace {

TEST(ResponsesToChatBody, StringInputInstructionsAndSettings) {
  Result<Json> chat = ResponsesToChatBody(Json::parse(R"({"model":"m","input":"Hi","instructions":"Be brief.",
      "stream":true,"temperature":0.5,"top_p":0.9,"max_output_tokens":7,"reasoning":{"effort":"none"},"user":"x"})"));
  ASSERT_TRUE(chat) << chat.error().message();
  EXPECT_EQ(*chat, Json::parse(R"({"model":"m","stream":true,"temperature":0.5,"top_p":0.9,
      "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],
      "max_tokens":7,"reasoning_effort":"none"})"));
}

TEST(ResponsesToChatBody, ItemsToolsAndFormat) {
  Result<Json> chat = ResponsesToChatBody(Json::parse(R"({"model":"m","input":[
      {"role":"user","content":[{"type":"input_text","text":"Weather "},{"type":"input_text","text":"in Paris?"}]},
      {"type":"reasoning","summary":[]},
      {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
      {"type":"function_call_output","call_id":"c1","output":"21C"}],
    "tools":[{"type":"function","name":"get_weather","description":"d","parameters":{"type":"object"}}],
    "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}}})"));
  ASSERT_TRUE(chat) << chat.error().message();
  EXPECT_EQ((*chat)["messages"], Json::parse(R"([{"role":"user","content":"Weather in Paris?"},
      {"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function",
        "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"c1","name":"get_weather","content":"21C"}])"));
  EXPECT_EQ((*chat)["tools"], Json::parse(R"([{"type":"function","function":{"name":"get_weather","description":"d",
      "parameters":{"type":"object"}}}])"));
  EXPECT_EQ((*chat)["response_format"], Json::parse(R"({"type":"json_schema",
      "json_schema":{"name":"w","schema":{"type":"object"},"strict":true}})"));
  Result<Json> object = ResponsesToChatBody(Json::parse(R"({"input":"x","text":{"format":{"type":"json_object"}}})"));
  EXPECT_EQ((*object)["response_format"], Json::parse(R"({"type":"json_object"})"));
}

TEST(ResponsesToChatBody, RefusesWhatItCannotServe) {
  for (const char* body : {R"({"model":"m"})", R"({"input":5})", R"({"input":"x","previous_response_id":"r"})",
                           R"({"input":"x","tools":[{"type":"web_search"}]})", R"({"input":"x","tools":{}})",
                           R"({"input":[{"type":"function_call","name":"f","arguments":"{}"}]})",
                           R"({"input":[{"role":"user","content":[{"type":"input_image","image_url":"u"}]}]})",
                           R"({"input":[{"type":"computer_call"}]})", R"({"input":[7]})",
                           R"({"input":"x","instructions":3})", R"({"input":"x","text":{"format":"json"}})", "[]"}) {
    EXPECT_FALSE(ResponsesToChatBody(Json::parse(body))) << body;
  }
}

// A "type" that is not a string is a 400 naming the field, not an exception (found by
// api_request_fuzz: {"tools":[{"type":{...}}]} threw json::type_error).
TEST(ResponsesToChatBody, NonStringTypesAreClearErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"input":"x","tools":[{"type":{"type":"object"}}]})", "tools[0].type: expected a string"},
      {R"({"input":[{"type":7}]})", "input[0].type: expected a string"},
      {R"({"input":[{"role":"user","content":[{"type":[1]}]}]})", "input[0].content[].type: expected a string"},
      {R"({"input":[{"role":"user","content":[3]}]})", "input[0].content: content parts must be objects"},
      {R"({"input":"x","text":{"format":{"type":false}}})", "text.format.type: expected a string"},
  };
  for (const auto& [body, message] : cases) {
    Result<Json> r = ResponsesToChatBody(Json::parse(body));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(HttpStatus(r.error()), 400) << body;
    EXPECT_EQ(r.error().message(), message) << body;
  }
}

}  // namespace
}  // namespace hearth::server
