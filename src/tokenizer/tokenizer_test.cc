// Tokenizer unit tests on the real Gemma 4 vocabulary: the 46 llama.cpp reference pairs, the
// spec's worked examples, round trips, malformed UTF-8, both BPE strategies, load time and
// encode speed.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "base/check.h"
#include "tokenizer/bpe.h"
#include "tokenizer/tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_test::Vocab;

const Tokenizer& Tok() {
  const auto& v = Vocab();
  HEARTH_CHECK(v.tokenizer != nullptr, "vocab failed to load: %s", v.error.c_str());
  return *v.tokenizer;
}

std::vector<int32_t> Enc(std::string_view text, bool special = false) {
  Result<std::vector<int32_t>> ids = Tok().Encode(text, special);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : std::vector<int32_t>{};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TokenizerTest, LoadsVocabulary) {
  const auto& v = Vocab();
  ASSERT_TRUE(v.tokenizer != nullptr) << v.error;
  const Tokenizer& tok = *v.tokenizer;
  std::printf("[ load ] GgufFile::Open %.1f ms, Tokenizer::FromGguf %.1f ms\n",
              v.open_seconds * 1e3, v.load_seconds * 1e3);
  // Typically well under 0.5 s; the bound catches a structurally slow load (e.g. quadratic
  // merges), with room for a loaded machine and a sanitizer build (~10x slower).
#if defined(__SANITIZE_ADDRESS__)
  constexpr double kLoadBoundSeconds = 30.0;
#else
  constexpr double kLoadBoundSeconds = 3.0;
#endif
  EXPECT_LT(v.open_seconds + v.load_seconds, kLoadBoundSeconds);
  EXPECT_EQ(tok.n_vocab(), 262144);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.unk_id(), 3);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.TokenId("<|turn>"), 105);
  EXPECT_EQ(tok.TokenId("<turn|>"), 106);
  EXPECT_EQ(tok.TokenId("\xE2\x96\x81Hello"), 26352);
  EXPECT_EQ(tok.TokenId("no such token at all"), -1);
  EXPECT_TRUE(tok.IsControl(105));
  EXPECT_FALSE(tok.IsControl(100));
  EXPECT_TRUE(tok.IsUserDefined(100));
  EXPECT_TRUE(tok.IsControl(50));  // USER_DEFINED in the file, CONTROL as an EOG token
  EXPECT_TRUE(tok.IsByte(248));
  EXPECT_EQ(tok.ByteToken(0x0A), 248);
  EXPECT_EQ(tok.ByteToken(0xF0), 478);
  for (int32_t id : {1, 106, 50}) EXPECT_TRUE(tok.IsEog(id)) << id;
  for (int32_t id : {0, 2, 105, 48, 212, -1, 1 << 30}) EXPECT_FALSE(tok.IsEog(id)) << id;
  EXPECT_EQ(tok.eog_ids().size(), 3u);
}

// tests/testdata/ggml-vocab-gemma-4.gguf.inp holds texts separated by
// "\n__ggml_vocab_test__\n"; .out holds one line of space-separated ids per text.
TEST(TokenizerTest, ReferencePairs) {
  const std::string inp = ReadFile(tokenizer_test::VocabPath() + ".inp");
  const std::string out = ReadFile(tokenizer_test::VocabPath() + ".out");
  ASSERT_FALSE(inp.empty());
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0;;) {
    const size_t hit = inp.find(sep, pos);
    texts.push_back(inp.substr(pos, hit == std::string::npos ? std::string::npos : hit - pos));
    if (hit == std::string::npos) break;
    pos = hit + sep.size();
  }
  std::vector<std::vector<int32_t>> expected;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::vector<int32_t> ids;
    std::istringstream words(line);
    for (int32_t id; words >> id;) ids.push_back(id);
    expected.push_back(ids);
  }
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(expected.size(), texts.size());
  int passed = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<int32_t> got = Enc(texts[i]);
    EXPECT_EQ(got, expected[i]) << "case " << i << ": \"" << texts[i] << "\"";
    passed += got == expected[i];
    Result<std::string> back = Tok().Decode(got);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, texts[i]) << "round trip, case " << i;
  }
  std::printf("[ pairs ] %d / %zu reference pairs equal\n", passed, texts.size());
}

TEST(TokenizerTest, SpecExamples) {
  using V = std::vector<int32_t>;
  EXPECT_EQ(Enc("<|turn>user\nWhy is the sky blue?<turn|>\n<|turn>model\n", true),
            (V{105, 2364, 107, 11355, 563, 506, 7217, 3730, 236881, 106, 107, 105, 4368, 107}));
  EXPECT_EQ(Enc("<|turn>system\n<|think|>You are helpful.<turn|>\n", true),
            (V{105, 9731, 107, 98, 3048, 659, 11045, 236761, 106, 107}));
  EXPECT_EQ(Enc("<|channel>thought\n<channel|>Hi", true), (V{100, 45518, 107, 101, 10979}));
  EXPECT_EQ(Enc("<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|>", true),
            (V{48, 6639, 236787, 828, 236779, 19323, 236782, 13319, 236787, 52, 50429, 52, 236783, 49}));
  EXPECT_EQ(Enc("a\r\nb"), (V{236746, 251, 107, 236763}));
  EXPECT_EQ(Enc(std::string(70, '\n')), (V{137, 137, 114}));
  // BOS: added once, not doubled when the text starts with <bos> and specials are parsed.
  EXPECT_EQ(*Tok().Encode("Hello world", false, true), (V{2, 9259, 1902}));
  EXPECT_EQ(*Tok().Encode("<bos>Hello world", true, true), (V{2, 9259, 1902}));
  EXPECT_EQ(*Tok().Encode("", false, true), (V{2}));
  // Without special parsing CONTROL texts stay text, USER_DEFINED ones still match.
  const V turn_plain = Enc("<|turn>", false);
  EXPECT_GT(turn_plain.size(), 1u);
  EXPECT_EQ(Enc("<|channel>", false), (V{100}));
  EXPECT_EQ(Enc("<|turn>", true), (V{105}));
}

TEST(TokenizerTest, DecodeRendersByType) {
  const Tokenizer& tok = Tok();
  EXPECT_EQ(*tok.Decode(std::vector<int32_t>{105, 2364, 107, 106}), "user\n");
  EXPECT_EQ(*tok.Decode(std::vector<int32_t>{105, 2364, 107, 106}, true), "<|turn>user\n<turn|>");
  EXPECT_EQ(*tok.Decode(std::vector<int32_t>{100, 45518, 101}), "<|channel>thought<channel|>");
  EXPECT_EQ(*tok.Decode(std::vector<int32_t>{140, 26352}), "     Hello");
  EXPECT_EQ(*tok.Decode(std::vector<int32_t>{478, 397, 404, 391}), "\xF0\x9F\xA6\x99");
  EXPECT_FALSE(tok.Decode(std::vector<int32_t>{5, -1}).ok());
  EXPECT_FALSE(tok.Decode(std::vector<int32_t>{262144}).ok());
  EXPECT_EQ(tok.Piece(-5), "");
}

TEST(TokenizerTest, MalformedUtf8FallsBackToBytes) {
  const Tokenizer& tok = Tok();
  for (std::string text : {std::string("\xFF"), std::string("a\xC3(b"), std::string("\xE2\x96"),
                           std::string("x \xE2\x96 y"), std::string("\xED\xA0\x80"),
                           std::string("\xC0\xAF"), std::string("\xF4\x90\x80\x80"),
                           std::string("ok\x80\x80\x80 end"), std::string("\xF0\x9F\xA6")}) {
    const std::vector<int32_t> ids = Enc(text);
    EXPECT_EQ(*tok.Decode(ids), text);
  }
  EXPECT_EQ(Enc("\xFF"), (std::vector<int32_t>{tok.ByteToken(0xFF)}));
}

TEST(TokenizerTest, RoundTripCorpus) {
  int checked = 0;
  for (const auto& c : tokenizer_test::Corpus()) {
    if (c.text.find("\xE2\x96\x81") != std::string::npos) continue;  // literal U+2581 decodes as ' '
    const std::vector<int32_t> plain = Enc(c.text, false);
    EXPECT_EQ(*Tok().Decode(plain), c.text);
    const std::vector<int32_t> special = Enc(c.text, true);
    EXPECT_EQ(*Tok().Decode(special, /*render_special=*/true), c.text);
    ++checked;
  }
  EXPECT_GT(checked, 250);
}

// Rescan and heap strategies must agree on every run, short or long.
TEST(TokenizerTest, BpeStrategiesAgree) {
  using tokenizer_internal::BpeMerge;
  using tokenizer_internal::BpeScratch;
  using tokenizer_internal::BpeStrategy;
  using tokenizer_internal::BpeSymbol;
  const Tokenizer& tok = Tok();
  BpeScratch scratch;
  int runs = 0;
  for (const auto& c : tokenizer_test::Corpus()) {
    // Whole normalized lines (not cut into words), so long runs reach both strategies.
    std::string text;
    for (char ch : c.text) text += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      std::vector<BpeSymbol> rescan;
      for (size_t pos = 0; pos < line.size();) {
        const auto b = static_cast<unsigned char>(line[pos]);
        size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        len = std::min(len, line.size() - pos);
        rescan.push_back({tok.TokenId(std::string_view(line).substr(pos, len)),
                          static_cast<uint32_t>(pos), static_cast<uint32_t>(len)});
        pos += len;
      }
      std::vector<BpeSymbol> heap = rescan;
      BpeMerge(tok.merge_map(), rescan, scratch, BpeStrategy::kRescan);
      BpeMerge(tok.merge_map(), heap, scratch, BpeStrategy::kHeap);
      ASSERT_EQ(rescan.size(), heap.size()) << line;
      for (size_t i = 0; i < heap.size(); ++i) {
        ASSERT_EQ(rescan[i].id, heap[i].id) << line;
        ASSERT_EQ(rescan[i].len, heap[i].len) << line;
      }
      ++runs;
    }
  }
  EXPECT_GT(runs, 500);
}

TEST(TokenizerTest, EncodeSpeed) {
  const Tokenizer& tok = Tok();
  const std::string text = tokenizer_test::EnglishText(4 << 20, 42);
  // Warm-up, then the best of three.
  ASSERT_TRUE(tok.Encode(text.substr(0, 1 << 16), false).ok());
  double best = 1e9;
  size_t n_tokens = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    Result<std::vector<int32_t>> ids = tok.Encode(text, false);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(ids.ok());
    n_tokens = ids->size();
    best = std::min(best, s);
  }
  const double mb_per_s = static_cast<double>(text.size()) / best / 1e6;
  std::printf("[ speed ] encode %.1f MB English text: %.1f MB/s (%zu tokens, %.2f bytes/token)\n",
              static_cast<double>(text.size()) / 1e6, mb_per_s, n_tokens,
              static_cast<double>(text.size()) / static_cast<double>(n_tokens));
  // Short prompts (no word cache): 1 KB at a time.
  const auto t0 = std::chrono::steady_clock::now();
  size_t bytes = 0;
  for (size_t pos = 0; pos + 1024 <= text.size() && bytes < (1u << 20); pos += 1024, bytes += 1024) {
    ASSERT_TRUE(tok.Encode(std::string_view(text).substr(pos, 1024), false).ok());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ speed ] encode 1 KB prompts: %.1f MB/s\n", static_cast<double>(bytes) / s / 1e6);
  EXPECT_GE(mb_per_s, 5.0);  // generous floor so CI noise cannot fail it
}

}  // namespace
}  // namespace hearth
