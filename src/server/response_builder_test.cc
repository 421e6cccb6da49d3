// ResponseBuilder: the event sequence of a turn that thinks, answers and calls a tool, the final
// output items, and the empty and failed cases.
#include "server/response_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::server {
namespace {

struct Recorder {
  std::vector<Json> events;
  SendEvent send() {
    return [this](const Json& e) { events.push_back(e); };
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const Json& e : events) out.push_back(e["type"]);
    return out;
  }
};

ParseDelta Thinking(const std::string& s) {
  ParseDelta d;
  d.thinking_delta = s;
  return d;
}
ParseDelta Content(const std::string& s) {
  ParseDelta d;
  d.content_delta = s;
  return d;
}

TurnResult Done(const char* reason) {
  TurnResult r;
  r.done_reason = reason;
  r.stats.prompt_tokens = 10;
  r.stats.eval_count = 4;
  return r;
}

TEST(ResponseBuilder, ReasoningMessageAndFunctionCallEvents) {
  Recorder rec;
  ResponseBuilder b({{"id", "resp_1"}, {"status", "in_progress"}, {"output", Json::array()}});
  b.Open(rec.send());
  b.Delta(Thinking("Need "), rec.send());
  b.Delta(Thinking("weather."), rec.send());
  b.Delta(Content("Let me check."), rec.send());
  ParseDelta call;
  call.tool_calls.push_back({.name = "get_weather", .arguments = {{"city", "Paris"}}, .raw = ""});
  b.Delta(call, rec.send());
  const Json& response = b.Finish(Done("stop"), rec.send());

  const std::vector<std::string> expected = {
      "response.created", "response.in_progress",
      "response.output_item.added", "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta",
      "response.function_call_arguments.done", "response.output_item.done", "response.completed"};
  EXPECT_EQ(rec.types(), expected);
  for (size_t i = 0; i < rec.events.size(); ++i) EXPECT_EQ(rec.events[i]["sequence_number"], i);
  EXPECT_EQ(rec.events[6]["text"], "Need weather.");
  EXPECT_EQ(rec.events[11]["output_index"], 1);
  EXPECT_EQ(rec.events[11]["delta"], "Let me check.");
  EXPECT_EQ(rec.events[16]["delta"], R"({"city":"Paris"})");

  EXPECT_EQ(response["status"], "completed");
  EXPECT_TRUE(response["incomplete_details"].is_null());
  EXPECT_EQ(response["usage"]["total_tokens"], 14);
  const Json& output = response["output"];
  ASSERT_EQ(output.size(), 3u);
  EXPECT_EQ(output[0]["type"], "reasoning");
  EXPECT_EQ(output[0]["summary"][0]["text"], "Need weather.");
  EXPECT_EQ(output[1]["type"], "message");
  EXPECT_EQ(output[1]["status"], "completed");
  EXPECT_EQ(output[1]["content"][0]["type"], "output_text");
  EXPECT_EQ(output[1]["content"][0]["text"], "Let me check.");
  EXPECT_EQ(output[2]["type"], "function_call");
  EXPECT_EQ(output[2]["name"], "get_weather");
  EXPECT_EQ(output[2]["arguments"], R"({"city":"Paris"})");
  EXPECT_EQ(output[2]["call_id"].get<std::string>().rfind("call_", 0), 0u);
  // The events locate themselves on the item they belong to.
  EXPECT_EQ(rec.events[16]["item_id"], output[2]["id"]);
  EXPECT_EQ(rec.events.back()["response"], response);
}

TEST(ResponseBuilder, EmptyTurnAnswersWithAnEmptyMessageAndLengthIsIncomplete) {
  Recorder rec;
  ResponseBuilder b(Json{{"output", Json::array()}});
  const Json& response = b.Finish(Done("length"), rec.send());
  EXPECT_EQ(response["status"], "incomplete");
  EXPECT_EQ(response["incomplete_details"]["reason"], "max_output_tokens");
  ASSERT_EQ(response["output"].size(), 1u);
  EXPECT_EQ(response["output"][0]["content"][0]["text"], "");
}

TEST(ResponseBuilder, FailReportsTheError) {
  Recorder rec;
  ResponseBuilder b(Json{{"output", Json::array()}});
  b.Open(rec.send());
  b.Fail("decode failed", rec.send());
  EXPECT_EQ(rec.events.back()["type"], "response.failed");
  EXPECT_EQ(rec.events.back()["response"]["status"], "failed");
  EXPECT_EQ(rec.events.back()["response"]["error"]["message"], "decode failed");
}

}  // namespace
}  // namespace hearth::server
