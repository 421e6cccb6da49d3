// Output parser: model-style generations split at every byte boundary must parse identically.
#include "chat/output_parser.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

using json = nlohmann::ordered_json;

struct Parsed {
  std::string thinking, content;
  std::vector<std::pair<std::string, std::string>> calls;  // name, arguments JSON text
  size_t errors = 0;
  bool operator==(const Parsed&) const = default;
};

void Add(Parsed& p, const ParseDelta& d) {
  p.thinking += d.thinking_delta;
  p.content += d.content_delta;
  for (const auto& c : d.tool_calls) p.calls.emplace_back(c.name, c.arguments.dump());
  p.errors += d.errors.size();
}

Parsed ParseChunks(const std::vector<std::string>& chunks, const ParserOptions& opts = {}) {
  OutputParser parser(opts);
  Parsed p;
  for (const auto& c : chunks) Add(p, parser.Push(c));
  Add(p, parser.Finish());
  return p;
}

// Whole text, every split into two pieces, every split into three pieces, byte by byte.
Parsed CheckAllSplits(const std::string& text, const ParserOptions& opts = {}) {
  const Parsed whole = ParseChunks({text}, opts);
  for (size_t i = 0; i <= text.size(); ++i) {
    EXPECT_EQ(ParseChunks({text.substr(0, i), text.substr(i)}, opts), whole) << "split at " << i << " of " << text;
    for (size_t j = i; j <= text.size(); j += 7) {
      EXPECT_EQ(ParseChunks({text.substr(0, i), text.substr(i, j - i), text.substr(j)}, opts), whole)
          << "split at " << i << "," << j;
    }
  }
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(ParseChunks(bytes, opts), whole) << "byte by byte: " << text;
  return whole;
}

TEST(OutputParser, ThinkingThenContent) {
  Parsed p = CheckAllSplits("<|channel>thought\nI'm\nthinking<channel|>Hello, world!\nWhat's up?<turn|>");
  EXPECT_EQ(p.thinking, "I'm\nthinking");
  EXPECT_EQ(p.content, "Hello, world!\nWhat's up?");
  EXPECT_TRUE(p.calls.empty());
}

TEST(OutputParser, PrefilledEmptyThought) {
  ParserOptions opts;
  opts.generation_prompt_suffix = "<|turn>model\n<|channel>thought\n<channel|>";
  Parsed p = CheckAllSplits("The sky scatters blue light more.", opts);
  EXPECT_EQ(p.content, "The sky scatters blue light more.");
  EXPECT_EQ(p.thinking, "");
}

TEST(OutputParser, ParallelCalls) {
  Parsed p = CheckAllSplits(
      "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>,unit:<|\"|>celsius<|\"|>}<tool_call|>"
      "<|tool_call>call:get_weather{city:<|\"|>Tokyo<|\"|>,unit:<|\"|>celsius<|\"|>}<tool_call|><|tool_response>");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[0].second, R"({"city":"Paris","unit":"celsius"})");
  EXPECT_EQ(p.calls[1].second, R"({"city":"Tokyo","unit":"celsius"})");
  EXPECT_EQ(p.content, "");
}

TEST(OutputParser, ThoughtAndCallAndContentBefore) {
  Parsed p = CheckAllSplits(
      "<|channel>thought\nI should call get_weather for Paris.<channel|><|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|>");
  EXPECT_EQ(p.thinking, "I should call get_weather for Paris.");
  ASSERT_EQ(p.calls.size(), 1u);
  Parsed q = CheckAllSplits("Hello, world!\nWhat's up?<|tool_call>call:get_time{city:<|\"|>Paris<|\"|>}<tool_call|>");
  EXPECT_EQ(q.content, "Hello, world!\nWhat's up?");
  ASSERT_EQ(q.calls.size(), 1u);
  EXPECT_EQ(q.calls[0].first, "get_time");
}

TEST(OutputParser, StrayChannelsIgnored) {
  Parsed p = CheckAllSplits("Hello, world!\nWhat's up?<|channel>thought\n<channel|><channel|>");
  EXPECT_EQ(p.content, "Hello, world!\nWhat's up?");
  EXPECT_EQ(p.thinking, "");
}

TEST(OutputParser, NestedArgumentsAndTypes) {
  Parsed p = CheckAllSplits(
      "<|tool_call>call:create_event{all_day:false,attendees:[<|\"|>a@x.com<|\"|>,<|\"|>b@x.com<|\"|>],"
      "location:{address:<|\"|>1 Main St<|\"|>,room:4},notes:null,priority:2.5,orig:1.5e10,n:-7,"
      "title:<|\"|>Team \"sync\", {Q3}<|\"|>,e:{},l:[]}<tool_call|>");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].second,
            R"({"all_day":false,"attendees":["a@x.com","b@x.com"],"location":{"address":"1 Main St","room":4},)"
            R"("notes":null,"priority":2.5,"orig":15000000000.0,"n":-7,"title":"Team \"sync\", {Q3}","e":{},"l":[]})");
}

TEST(OutputParser, UnclosedThoughtAndTrailingText) {
  Parsed p = CheckAllSplits("<|channel>thought\nstill thinking about it ");
  EXPECT_EQ(p.thinking, "still thinking about it");
  EXPECT_EQ(p.content, "");
  Parsed q = CheckAllSplits("<|tool_call>call:f{a:1}<tool_call|> and then some text");
  ASSERT_EQ(q.calls.size(), 1u);
  EXPECT_EQ(q.content, "and then some text");
}

TEST(OutputParser, NeverLeaksMarkers) {
  const std::string text =
      "<|turn>model\n<|channel>thought\nx<channel|>a<|channel>thought\ny<channel|> b <turn|><eos><tool_response|>";
  Parsed p = CheckAllSplits(text);
  EXPECT_EQ(p.content.find('<'), std::string::npos) << p.content;
  EXPECT_EQ(p.thinking, "xy");
}

TEST(OutputParser, ThinkingDiscardedWhenNotRequested) {
  ParserOptions opts;
  opts.return_thinking = false;
  Parsed p = CheckAllSplits("<|channel>thought\nsecret<channel|>answer", opts);
  EXPECT_EQ(p.thinking, "");
  EXPECT_EQ(p.content, "answer");
}

TEST(OutputParser, MalformedCallsReportErrors) {
  for (const char* bad : {"<|tool_call>call:f{a:<|\"|>x}<tool_call|>", "<|tool_call>call:{a:1}<tool_call|>",
                          "<|tool_call>nonsense<tool_call|>", "<|tool_call>call:f{a:1,,}<tool_call|>",
                          "<|tool_call>call:f{a:[1,2}<tool_call|>", "<|tool_call>call:f{a:bareword}<tool_call|>"}) {
    Parsed p = CheckAllSplits(std::string(bad) + "ok");
    EXPECT_EQ(p.errors, 1u) << bad;
    EXPECT_TRUE(p.calls.empty()) << bad;
    EXPECT_EQ(p.content, "ok") << bad;
  }
}

TEST(OutputParser, RepairsCutOffCall) {
  Parsed p = CheckAllSplits("<|tool_call>call:f{a:{b:1}");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].second, R"({"a":{"b":1}})");
}

TEST(OutputParser, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "<|tool_call>call:f{a:" + std::string(10000, '[') + "<tool_call|>";
  Parsed p = ParseChunks({deep});
  EXPECT_EQ(p.errors, 1u);
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

// A call over max_call_bytes is refused the same way however it arrives, and its body never
// leaks into the content (found by tests/fuzz/output_parser_fuzz.cc).
TEST(OutputParser, OversizedCallIsRefusedRegardlessOfChunking) {
  ParserOptions opts;
  opts.max_call_bytes = 4;
  const Parsed p = CheckAllSplits("Before.<|tool_call>call:f{a:1}<tool_call|>After.", opts);
  EXPECT_TRUE(p.calls.empty());
  EXPECT_EQ(p.errors, 1u);
  EXPECT_EQ(p.content.find("f{a"), std::string::npos) << p.content;
  EXPECT_NE(p.content.find("Before."), std::string::npos);
  EXPECT_NE(p.content.find("After."), std::string::npos);
  opts.max_call_bytes = 64;
  EXPECT_EQ(CheckAllSplits("<|tool_call>call:f{a:1}<tool_call|>", opts).calls.size(), 1u);
}

}  // namespace
}  // namespace hearth
