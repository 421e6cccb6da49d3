// The response shapes of per-token log-probabilities: Ollama/OpenAI chat entries and the legacy
// completions object, with bytes of a token that splits a UTF-8 character.
#include "server/logprobs_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::server {
namespace {

// Id 0 is "Hi", id 1 the first byte of "é" (0xC3), id 2 " there".
std::string_view Piece(int32_t id) {
  static const std::string kPieces[] = {"Hi", "\xC3", " there"};
  return id >= 0 && id < 3 ? std::string_view(kPieces[id]) : std::string_view();
}

std::vector<StepLogprobs> Steps() {
  return {{.chosen = {0, -0.25f}, .top = {{0, -0.25f}, {2, -1.5f}}},
          {.chosen = {1, -2.0f}, .top = {{2, -0.5f}, {1, -2.0f}}}};
}

TEST(TokenLogprobsJson, EntriesCarryTokenLogprobBytesAndAlternatives) {
  const Json j = TokenLogprobsJson(Steps(), Piece);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["token"], "Hi");
  EXPECT_EQ(j[0]["logprob"], -0.25);
  EXPECT_EQ(j[0]["bytes"], Json::array({72, 105}));
  ASSERT_EQ(j[0]["top_logprobs"].size(), 2u);
  EXPECT_EQ(j[0]["top_logprobs"][1]["token"], " there");
  EXPECT_EQ(j[0]["top_logprobs"][1]["logprob"], -1.5);
  EXPECT_FALSE(j[0]["top_logprobs"][1].contains("top_logprobs"));
  EXPECT_EQ(j[1]["bytes"], Json::array({0xC3}));
  EXPECT_TRUE(TokenLogprobsJson({}, Piece).is_array());
}

TEST(ChatLogprobsJson, WrapsTheEntriesAsContent) {
  const Json j = ChatLogprobsJson(Steps(), Piece);
  EXPECT_EQ(j["content"], TokenLogprobsJson(Steps(), Piece));
  EXPECT_TRUE(j["refusal"].is_null());
}

TEST(CompletionLogprobsJson, LegacyShapeWithContinuingOffsets) {
  size_t offset = 5;  // e.g. after an echoed prompt
  const Json j = CompletionLogprobsJson(Steps(), Piece, &offset);
  EXPECT_EQ(j["tokens"], Json::array({"Hi", "\xC3"}));
  EXPECT_EQ(j["token_logprobs"], Json::array({-0.25, -2.0}));
  EXPECT_EQ(j["top_logprobs"][0]["Hi"], -0.25);
  EXPECT_EQ(j["top_logprobs"][1][" there"], -0.5);
  EXPECT_EQ(j["text_offset"], Json::array({5, 7}));
  EXPECT_EQ(offset, 8u);
}

}  // namespace
}  // namespace hearth::server
