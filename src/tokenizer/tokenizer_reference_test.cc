// Conformance against llama.cpp: the generated corpus (plus the reference .inp texts) is
// tokenized by node-llama-cpp in one node process (tests/reference/tokenize_corpus.mjs) and
// compared id by id with Tokenizer::Encode. Missing node or node_modules fails the test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_test_util.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using tokenizer_test::CorpusCase;

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Parses a JSON array of arrays of non-negative integers; false on anything else.
bool ParseIdArrays(std::string_view s, std::vector<std::vector<int32_t>>& out) {
  size_t i = 0;
  auto skip = [&] { while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i; };
  auto eat = [&](char c) { skip(); if (i < s.size() && s[i] == c) { ++i; return true; } return false; };
  if (!eat('[')) return false;
  if (eat(']')) return true;
  do {
    if (!eat('[')) return false;
    std::vector<int32_t> ids;
    if (!eat(']')) {
      do {
        skip();
        int64_t v = 0;
        size_t digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0'), ++digits;
        if (digits == 0 || v > INT32_MAX) return false;
        ids.push_back(static_cast<int32_t>(v));
      } while (eat(','));
      if (!eat(']')) return false;
    }
    out.push_back(std::move(ids));
  } while (eat(','));
  return eat(']');
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string FindNode() {
  FILE* p = popen("command -v node 2>/dev/null", "r");
  if (p == nullptr) return {};
  char buf[4096] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, p);
  pclose(p);
  std::string path(buf, n);
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  return path;
}

// Ids [from, from + 24) of `ids`, space-separated.
std::string Ids(const std::vector<int32_t>& ids, size_t from) {
  std::string s;
  for (size_t i = from; i < ids.size() && i < from + 24; ++i) {
    const int32_t id = ids[i];
    if (!s.empty()) s.push_back(' ');
    s.append(std::to_string(id));
  }
  return s;
}

TEST(TokenizerReferenceTest, CorpusMatchesLlamaCpp) {
  const auto& vocab = tokenizer_test::Vocab();
  ASSERT_TRUE(vocab.tokenizer != nullptr) << vocab.error;
  const Tokenizer& tok = *vocab.tokenizer;

  const fs::path repo = fs::path(HEARTH_TESTDATA).parent_path().parent_path();
  const fs::path script = repo / "tests" / "reference" / "tokenize_corpus.mjs";
  const fs::path nlc = repo / "tests" / "reference" / "node_modules" / "node-llama-cpp";
  const std::string node = FindNode();
  ASSERT_FALSE(node.empty()) << "node is not on PATH: the tokenizer reference test needs Node.js "
                                "(apt install nodejs) to run llama.cpp through node-llama-cpp";
  ASSERT_TRUE(fs::exists(nlc)) << nlc << " is missing: run `npm ci` in tests/reference "
                                  "(or `make deps`) to install node-llama-cpp";
  ASSERT_TRUE(fs::exists(script)) << script << " is missing";

  std::vector<CorpusCase> cases = tokenizer_test::Corpus();
  {
    // The reference .inp texts too, with and without special parsing.
    const std::string inp = ReadFile(tokenizer_test::VocabPath() + ".inp");
    const std::string sep = "\n__ggml_vocab_test__\n";
    for (size_t pos = 0;;) {
      const size_t hit = inp.find(sep, pos);
      const std::string text = inp.substr(pos, hit == std::string::npos ? std::string::npos : hit - pos);
      cases.push_back({text, false});
      cases.push_back({text, true});
      if (hit == std::string::npos) break;
      pos = hit + sep.size();
    }
  }
  std::string dir_name = "hearth_tok_ref_";
  dir_name.append(std::to_string(getpid()));
  const fs::path dir = fs::path(testing::TempDir()) / dir_name;
  fs::create_directories(dir);
  const fs::path in_path = dir / "cases.json", out_path = dir / "ids.json", err_path = dir / "stderr.txt";
  {
    std::ofstream in(in_path, std::ios::binary);
    in << "[";
    for (size_t i = 0; i < cases.size(); ++i) {
      in << (i ? ",\n" : "") << "{\"text\":" << JsonString(cases[i].text)
         << ",\"special\":" << (cases[i].special ? "true" : "false") << "}";
    }
    in << "]\n";
  }
  const std::string cmd = "\"" + node + "\" \"" + script.string() + "\" --model \"" +
                          tokenizer_test::VocabPath() + "\" --in \"" + in_path.string() +
                          "\" --out \"" + out_path.string() + "\" --bench 2> \"" +
                          err_path.string() + "\"";
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system(cmd.c_str());
  const double node_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string err = ReadFile(err_path);
  ASSERT_EQ(rc, 0) << "node failed: " << cmd << "\n" << err;
  std::vector<std::vector<int32_t>> expected;
  ASSERT_TRUE(ParseIdArrays(ReadFile(out_path), expected)) << "unreadable output in " << out_path;
  ASSERT_EQ(expected.size(), cases.size());
  std::printf("[ node ] %zu cases in %.1f s; %s", cases.size(), node_s, err.c_str());

  size_t passed = 0, bytes = 0;
  double ours_s = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto c0 = std::chrono::steady_clock::now();
    Result<std::vector<int32_t>> got = tok.Encode(cases[i].text, cases[i].special);
    ours_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    bytes += cases[i].text.size();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (*got == expected[i]) {
      ++passed;
      continue;
    }
    size_t k = 0;
    while (k < got->size() && k < expected[i].size() && (*got)[k] == expected[i][k]) ++k;
    ADD_FAILURE() << "case " << i << (cases[i].special ? " (special)" : "") << " first differs at id "
                  << k << "\ntext: " << JsonString(cases[i].text).substr(0, 400)
                  << "\nours from id " << (k < 4 ? 0 : k - 4) << ":      " << Ids(*got, k < 4 ? 0 : k - 4)
                  << "\nllama.cpp from id " << (k < 4 ? 0 : k - 4) << ": " << Ids(expected[i], k < 4 ? 0 : k - 4);
  }
  std::printf("[ node ] %zu / %zu cases equal; ours %.2f MB/s on the same corpus\n", passed,
              cases.size(), static_cast<double>(bytes) / ours_s / 1e6);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hearth
