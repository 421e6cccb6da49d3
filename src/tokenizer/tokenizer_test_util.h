// Shared by the tokenizer tests: the vocab-only Gemma 4 GGUF loaded once per test binary, a
// small UTF-8 validator, and the generated multilingual test corpus.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_reader.h"
#include "tokenizer/tokenizer.h"

namespace hearth::tokenizer_test {

inline std::string VocabPath() { return std::string(HEARTH_TESTDATA) + "/ggml-vocab-gemma-4.gguf"; }

struct LoadedVocab {
  std::unique_ptr<GgufFile> gguf;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string error;          // empty on success
  double open_seconds = 0;    // GgufFile::Open
  double load_seconds = 0;    // Tokenizer::FromGguf
};

// Loads once; later calls return the same object.
inline const LoadedVocab& Vocab() {
  static const LoadedVocab* vocab = [] {
    auto* v = new LoadedVocab;
    const auto t0 = std::chrono::steady_clock::now();
    Result<GgufFile> gguf = GgufFile::Open(VocabPath());
    const auto t1 = std::chrono::steady_clock::now();
    if (!gguf.ok()) {
      v->error = gguf.error().ToString();
      return v;
    }
    v->gguf = std::make_unique<GgufFile>(std::move(gguf).value());
    Result<Tokenizer> tok = Tokenizer::FromGguf(*v->gguf);
    const auto t2 = std::chrono::steady_clock::now();
    if (!tok.ok()) {
      v->error = tok.error().ToString();
      return v;
    }
    v->tokenizer = std::make_unique<Tokenizer>(std::move(tok).value());
    v->open_seconds = std::chrono::duration<double>(t1 - t0).count();
    v->load_seconds = std::chrono::duration<double>(t2 - t1).count();
    return v;
  }();
  return *vocab;
}

inline bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

struct CorpusCase {
  std::string text;
  bool special;
};

// Deterministic xorshift generator, so the corpus is the same on every run.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

inline void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Pseudo-English prose: common words, punctuation, capitals and paragraph breaks.
inline std::string EnglishText(size_t min_bytes, uint64_t seed) {
  static const char* const kWords[] = {
      "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
      "by", "on", "not", "he", "I", "this", "are", "or", "his", "from", "at", "which", "but",
      "have", "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her",
      "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "model",
      "language", "token", "government", "information", "development", "understanding",
      "between", "through", "because", "different", "important", "computer", "children",
      "although", "everything", "question", "probably", "something", "weather", "mountain",
      "river", "history", "science", "beautiful", "quickly", "whispered", "extraordinary",
      "responsibility", "neighbourhood", "Tuesday", "London", "Python", "email", "website",
      "don't", "it's", "they're", "e.g.", "1990s", "3.14", "2024", "well-known", "co-operate"};
  constexpr size_t kNumWords = sizeof(kWords) / sizeof(kWords[0]);
  Rng rng(seed);
  std::string out;
  bool sentence_start = true;
  while (out.size() < min_bytes) {
    std::string word = kWords[rng.Below(kNumWords)];
    if (sentence_start && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
    out += word;
    sentence_start = false;
    const size_t r = rng.Below(100);
    if (r < 8) {
      out += ". ";
      sentence_start = true;
    } else if (r < 12) {
      out += ", ";
    } else if (r < 13) {
      out += "? ";
      sentence_start = true;
    } else if (r < 14) {
      out += ".\n\n";
      sentence_start = true;
    } else if (r < 15) {
      out += " (" + std::string(kWords[rng.Below(kNumWords)]) + ") ";
    } else {
      out += " ";
    }
  }
  return out;
}

// The multilingual / emoji / code / whitespace / special-marker corpus compared against
// llama.cpp. Everything is valid UTF-8 (JavaScript strings cannot carry anything else).
inline std::vector<CorpusCase> Corpus() {
  std::vector<CorpusCase> cases;
  auto add = [&](std::string text, bool special = false) { cases.push_back({std::move(text), special}); };
  auto add_both = [&](const std::string& text) {
    add(text, false);
    add(text, true);
  };
  // Scripts.
  add("日本語のテキストを正しくトークン化できるか確認します。東京は日本の首都です。");
  add("人工智能正在改变世界。我们今天去公园散步吧！这是一个测试。");
  add("한국어 문장도 토큰화합니다. 안녕하세요, 반갑습니다!");
  add("مرحبا بالعالم! هذه جملة عربية للاختبار، مع أرقام ١٢٣ و 456.");
  add("नमस्ते दुनिया! यह हिंदी में एक परीक्षण वाक्य है।");
  add("Привет, мир! Это тестовое предложение на русском языке. Ёжик в тумане.");
  add("Γειά σου Κόσμε! שלום עולם! สวัสดีชาวโลก ជំរាបសួរ ሰላም ዓለም");
  add("Tiếng Việt có dấu: Cửa Việt, Hà Nội, Thành phố Hồ Chí Minh. Çalışkan öğrenci. Zażółć gęślą jaźń.");
  add("ﬁ ligature, Å vs Å (NFC vs NFD: e\xCC\x81 vs \xC3\xA9), Ω ohm vs Ω omega, ½ ⅓ ², ＡＢＣ full-width");
  // Emoji, including ZWJ sequences, skin tones, flags and keycaps.
  add("👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👩🏽‍💻 coder, 🧑‍🤝‍🧑, ❤️‍🔥, 🇯🇵🇫🇷🇺🇸, 1️⃣ #️⃣, 🦙🦙🦙 llamas");
  add("😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘 ✅❌⭐ 🚀🌍🔥💯");
  // Code.
  add("int main(int argc, char** argv) {\n    std::vector<int> v{1, 2, 3};\n    for (auto& x : v) {\n"
      "        printf(\"%d\\n\", x);\n    }\n    return 0;\n}\n");
  add("def fib(n):\n\tif n < 2:\n\t\treturn n\n\treturn fib(n - 1) + fib(n - 2)\n\n\nprint([fib(i) for i in range(10)])\n");
  add("{\"name\": \"hearth\", \"version\": \"0.1.0\", \"tags\": [\"llm\", \"gguf\"], \"nested\": {\"a\": null, \"b\": true}}");
  add("<html>\n  <body>\n    <div class=\"x\"> <b>bold</b> </div>\n    <p>a> </p> <i> </i>\n  </body>\n</html>");
  add("SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%son' ORDER BY id DESC;");
  add("x=1;y=2;z=x+y;if(z>2){console.log('ok')}else{throw new Error('bad')};function f(a,b){return a*b}");
  add("https://example.com/path/to/resource?query=value&other=123#fragment-id_with.dots");
  add("aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQgZW5jb2RlZCB0ZXh0IHRoYXQgaXMgcmF0aGVyIGxvbmcgYW5kIGhhcyBubyBzcGFjZXM=");
  // Whitespace runs.
  for (int n : {1, 2, 3, 4, 5, 8, 15, 16, 17, 30, 31, 32, 33, 62, 63, 64, 70}) {
    add(std::string(n, ' '));
    add(std::string(n, '\n'));
    add(std::string(n, '\t'));
    std::string mix = "a";
    mix.append(n, ' ').append("b").append(n, '\t').append("c").append(n, '\n').append("d");
    add(mix);
  }
  add(" \t \n \r\n\r\n\t\t  \n\n \t");
  add("line one\r\nline two\r\n\r\nline four\n\n\n\nline eight   \n   indented\n\t\ttabbed");
  add("trailing spaces    \nleading\n    spaces\n \n  \n   \n");
  // Rare characters and byte fallback.
  add("\xC2\xA0non-breaking\xC2\xA0space, zero\xE2\x80\x8Bwidth, soft\xC2\xADhyphen, BOM\xEF\xBB\xBF");
  add("private use \xEE\x80\x80\xEF\xA3\xBF, max \xF4\x8F\xBF\xBF, replacement \xEF\xBF\xBD, nul-free controls \x01\x02\x1B[0m\x7F");
  add("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕋𝕖𝕩𝕥 𓀀𓀁𓀂 𐎀𐎁 🝖 ꙮ ᚠᛇᚻ");
  add("combining: a\xCC\x80\xCC\x81\xCC\x82\xCC\x83 Z\xCD\x91\xCD\x92\xCD\x93\xCD\x94 ok");
  add("literal ▁ mark and ▁▁ two marks ▁");
  // Text containing special-token strings, with and without special parsing.
  add_both("<|turn>user\nWhy is the sky blue?<turn|>\n<|turn>model\n");
  add_both("<bos><|turn>system\n<|think|>You are helpful.<turn|>\n");
  add_both("<|channel>thought\nLet me think.<channel|>The answer is 42.<turn|>");
  add_both("<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|><|tool_response>");
  add_both("<|tool>declaration:f{}<tool|><tool_response|>");
  add_both("<pad><eos><bos><unk><mask><bos>");
  add_both("<<|turn>> <|turn|> <turn| <|tur <|turn <turn|><turn|><|turn><|turn>");
  add_both("<|image><|image|><image|><|audio><|audio|><audio|><|video|><|image|>");
  add_both("<unused0> <unused6226> [multimodal] </s> <s> <start_of_turn> <end_of_turn>");
  add_both("text<|channel>x<channel|>more <|\"|> quoted <|\"|>");
  add_both("  <|turn>  user  \n\n<turn|>  \n");
  add_both("<bos>");
  add_both("<bos>Hello");
  add_both("");
  // Random mixes of characters from many scripts, spaces and markers.
  static const uint32_t kRanges[][2] = {
      {0x20, 0x7E},     {0x20, 0x7E},   {0x61, 0x7A},     {0xA0, 0x24F},  {0x370, 0x3FF},
      {0x400, 0x4FF},   {0x590, 0x5FF}, {0x600, 0x6FF},   {0x900, 0x97F}, {0xE00, 0xE7F},
      {0x3040, 0x30FF}, {0x4E00, 0x4FFF}, {0xAC00, 0xAD00}, {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF},
      {0x2000, 0x206F}, {0xE000, 0xE0FF}, {0x10000, 0x100FF}};
  constexpr size_t kNumRanges = sizeof(kRanges) / sizeof(kRanges[0]);
  static const char* const kInserts[] = {" ", "  ", "\n", "\t", "<|turn>", "<turn|>", "<|channel>",
                                         "<bos>", "> </", "\r\n", "▁", "\xE2\x80\x8D"};
  Rng rng(0x5eed1234abcdULL);
  for (int c = 0; c < 300; ++c) {
    std::string text;
    const size_t n = 1 + rng.Below(c < 250 ? 60 : 400);
    const size_t range = rng.Below(kNumRanges);
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rng.Below(10) == 0 ? rng.Below(kNumRanges) : range;
      if (rng.Below(8) == 0) {
        text += kInserts[rng.Below(sizeof(kInserts) / sizeof(kInserts[0]))];
      } else {
        AppendUtf8(kRanges[r][0] + static_cast<uint32_t>(rng.Below(kRanges[r][1] - kRanges[r][0] + 1)), text);
      }
    }
    add(text, c % 3 == 0);
  }
  // Long inputs: prose (exercises the word cache) and long space-free runs (the heap path).
  add(EnglishText(20000, 7));
  std::string minified;
  for (int i = 0; minified.size() < 6000; ++i) {
    minified.append("v").append(std::to_string(i % 97)).append("=f(").append(std::to_string(i)).append(");");
  }
  add(minified);
  std::string mixed;
  for (const CorpusCase& c : cases) mixed += c.text;
  add(mixed, false);
  add(mixed, true);
  return cases;
}

}  // namespace hearth::tokenizer_test
