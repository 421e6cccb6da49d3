// Streaming decode: chunks never split a UTF-8 character, markers can be held back, and the
// chunks always concatenate to Tokenizer::Decode, for every prefix of every corpus case.
#include "tokenizer/incremental_detokenizer.h"

#include <gtest/gtest.h>

#include "tokenizer/tokenizer_test_util.h"

namespace hearth {
namespace {

const Tokenizer* Tok() {
  const auto& v = tokenizer_test::Vocab();
  return v.tokenizer.get();
}

TEST(IncrementalDetokenizerTest, IncompleteUtf8Tail) {
  EXPECT_EQ(IncompleteUtf8Tail(""), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("abc"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xF0"), 1u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xF0\x9F"), 2u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xF0\x9F\xA6"), 3u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xF0\x9F\xA6\x99"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("\xE2\x96"), 2u);
  EXPECT_EQ(IncompleteUtf8Tail("\xE0\x80"), 0u);  // overlong: can never complete
  EXPECT_EQ(IncompleteUtf8Tail("\xED\xA0"), 0u);  // surrogate
  EXPECT_EQ(IncompleteUtf8Tail("\x80\x80"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("\xFF"), 0u);
}

TEST(IncrementalDetokenizerTest, HoldsByteTokensUntilCharacterIsComplete) {
  ASSERT_NE(Tok(), nullptr);
  IncrementalDetokenizer detok(*Tok());
  // 🦙 is four byte tokens.
  EXPECT_EQ(detok.Push(478), "");
  EXPECT_EQ(detok.Push(397), "");
  EXPECT_EQ(detok.Push(404), "");
  EXPECT_EQ(detok.Push(391), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(detok.Push(26352), " Hello");
  // An unfinished character followed by a normal token is emitted as the raw bytes Decode gives.
  EXPECT_EQ(detok.Push(478), "");
  EXPECT_EQ(detok.Push(26352), "\xF0 Hello");
  EXPECT_EQ(detok.Push(478), "");
  EXPECT_EQ(detok.Flush(), "\xF0");
  EXPECT_EQ(detok.Push(-1), "");
  EXPECT_EQ(detok.Push(105), "");  // CONTROL, not rendered by default
}

TEST(IncrementalDetokenizerTest, HoldsPossibleMarkers) {
  ASSERT_NE(Tok(), nullptr);
  const Tokenizer& tok = *Tok();
  IncrementalDetokenizer detok(tok, {.render_special = false, .hold_back = {"<|turn>", "STOP"}});
  // "<|turn>" spelled with ordinary tokens.
  Result<std::vector<int32_t>> ids = tok.Encode("Hi <|turn> there <|tu!", false);
  ASSERT_TRUE(ids.ok());
  std::string all;
  std::vector<std::string> chunks;
  for (int32_t id : *ids) {
    chunks.push_back(detok.Push(id));
    all += chunks.back();
    // Never emit a proper prefix of a marker at the end of the emitted text.
    EXPECT_FALSE(all.ends_with("<") || all.ends_with("<|") || all.ends_with("<|tu")) << all;
  }
  all += detok.Flush();
  EXPECT_EQ(all, "Hi <|turn> there <|tu!");
}

TEST(IncrementalDetokenizerTest, MatchesDecodeForEveryPrefix) {
  ASSERT_NE(Tok(), nullptr);
  const Tokenizer& tok = *Tok();
  size_t prefixes = 0;
  for (const auto& c : tokenizer_test::Corpus()) {
    if (c.text.size() > 2000) continue;  // quadratic below
    for (bool render_special : {false, true}) {
      Result<std::vector<int32_t>> ids = tok.Encode(c.text, c.special);
      ASSERT_TRUE(ids.ok());
      // Every prefix: push k ids, then flush.
      for (size_t k = 0; k <= ids->size(); ++k) {
        IncrementalDetokenizer detok(tok, {.render_special = render_special, .hold_back = {"<|channel>"}});
        std::string streamed;
        for (size_t i = 0; i < k; ++i) {
          const std::string chunk = detok.Push((*ids)[i]);
          // Corpus texts are valid UTF-8, so every chunk must be too.
          ASSERT_TRUE(tokenizer_test::IsValidUtf8(chunk)) << "case text: " << c.text;
          streamed += chunk;
        }
        streamed += detok.Flush();
        const std::vector<int32_t> prefix(ids->begin(), ids->begin() + static_cast<ptrdiff_t>(k));
        ASSERT_EQ(streamed, *tok.Decode(prefix, render_special)) << "case text: " << c.text;
        ++prefixes;
      }
    }
  }
  EXPECT_GT(prefixes, 10000u);
}

}  // namespace
}  // namespace hearth
