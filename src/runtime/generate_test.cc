// The generation loop on a small random-weight model with the real Gemma 4 tokenizer: length
// limits, determinism, stop strings, the thinking budget, cancellation and KV prefix reuse.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "gguf/gguf_reader.h"
#include "model/gemma4/gemma4_test_model.h"
#include "runtime/generate.h"

namespace hearth {
namespace {

class GenerateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestModelOptions o;
    o.preset = "dense-tiny";
    o.type = "q8_0";
    o.n_embd = 64;
    o.ctx = 256;
    o.window = 8;
    o.seed = 11;
    o.vocab_path = std::string(HEARTH_TESTDATA) + "/ggml-vocab-gemma-4.gguf";
    o.out_path = std::string(::testing::TempDir()) + "/generate-" + std::to_string(getpid()) + ".gguf";
    ASSERT_TRUE(WriteTestModel(o).ok());
    Result<std::unique_ptr<Gemma4Model>> m = Gemma4Model::Load(o.out_path);
    ASSERT_TRUE(m.ok()) << m.error().message();
    model_ = std::move(m).value().release();
    std::remove(o.out_path.c_str());
    Result<Tokenizer> t = Tokenizer::FromGguf(model_->file());
    ASSERT_TRUE(t.ok());
    tokenizer_ = new Tokenizer(std::move(t).value());
    pool_ = new ThreadPool(2);
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete tokenizer_;
    delete model_;
  }

  std::vector<int32_t> Prompt(const std::string& text) {
    Result<std::vector<int32_t>> ids = tokenizer_->Encode(text, true, true);
    EXPECT_TRUE(ids.ok());
    return *ids;
  }
  GenerateResult Run(const std::vector<int32_t>& prompt, const GenerateOptions& opts,
                     const std::atomic<bool>* cancel = nullptr) {
    Session session(*model_, 256, *pool_);
    Result<GenerateResult> r = Generate(session, *tokenizer_, prompt, opts, {}, cancel);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : GenerateResult{};
  }
  static GenerateOptions Greedy(int n) {
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.num_predict = n;
    return o;
  }

  static Gemma4Model* model_;
  static Tokenizer* tokenizer_;
  static ThreadPool* pool_;
};

Gemma4Model* GenerateTest::model_ = nullptr;
Tokenizer* GenerateTest::tokenizer_ = nullptr;
ThreadPool* GenerateTest::pool_ = nullptr;

TEST_F(GenerateTest, NumPredictLimitsTheLength) {
  const GenerateResult r = Run(Prompt("Hello there"), Greedy(7));
  if (r.done_reason == "length") {
    EXPECT_EQ(r.ids.size(), 7u);
  } else {
    EXPECT_EQ(r.done_reason, "stop");  // an end-of-generation token came first
    EXPECT_TRUE(tokenizer_->IsEog(r.ids.back()));
  }
  EXPECT_EQ(r.stats.eval_count, static_cast<int64_t>(r.ids.size()));
  EXPECT_EQ(r.stats.prompt_tokens, static_cast<int64_t>(Prompt("Hello there").size()));
}

TEST_F(GenerateTest, SameSeedSameTokensAndTextMatchesIds) {
  GenerateOptions o;
  o.sampling.seed = 1234;
  o.num_predict = 24;
  const GenerateResult a = Run(Prompt("Once upon a time"), o);
  const GenerateResult b = Run(Prompt("Once upon a time"), o);
  EXPECT_EQ(a.ids, b.ids);
  o.sampling.seed = 99;
  const GenerateResult c = Run(Prompt("Once upon a time"), o);
  EXPECT_NE(a.ids, c.ids);
  // Without stop strings the streamed text is exactly the decoded ids (control markers kept).
  std::vector<int32_t> visible = a.ids;
  if (!visible.empty() && tokenizer_->IsEog(visible.back())) visible.pop_back();
  EXPECT_EQ(a.text, *tokenizer_->Decode(visible, /*render_special=*/true));
}

TEST_F(GenerateTest, LogprobsComeWithEveryTokenAndMatchGreedyChoice) {
  GenerateOptions o = Greedy(12);
  o.top_logprobs = 3;
  std::vector<TokenEvent> events;
  Session session(*model_, 256, *pool_);
  Result<GenerateResult> r =
      Generate(session, *tokenizer_, Prompt("Once upon a time"), o, [&](const TokenEvent& e) { events.push_back(e); });
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::vector<int32_t> with_logprobs;
  for (const TokenEvent& e : events) {
    if (!e.logprobs) continue;
    with_logprobs.push_back(e.id);
    EXPECT_EQ(e.logprobs->chosen.id, e.id);
    ASSERT_EQ(e.logprobs->top.size(), 3u);
    // Greedy picks the most likely token, so it heads the list with the same value.
    EXPECT_EQ(e.logprobs->top[0].id, e.id);
    EXPECT_EQ(e.logprobs->top[0].logprob, e.logprobs->chosen.logprob);
  }
  std::vector<int32_t> generated = r->ids;
  if (!generated.empty() && tokenizer_->IsEog(generated.back())) generated.pop_back();
  EXPECT_EQ(with_logprobs, generated);
  o.top_logprobs = kMaxTopLogprobs + 1;
  EXPECT_FALSE(TokenStream::Validate(o).ok());
}

TEST_F(GenerateTest, StopStringEndsGenerationBeforeIt) {
  const std::vector<int32_t> prompt = Prompt("The weather today");
  const GenerateResult full = Run(prompt, Greedy(40));
  ASSERT_GE(full.text.size(), 12u);
  // A stop string taken from the middle of what greedy decoding produces.
  const std::string stop = full.text.substr(full.text.size() / 2, 3);
  GenerateOptions o = Greedy(40);
  o.stop = {stop, "never-appears-xyz"};
  const GenerateResult cut = Run(prompt, o);
  EXPECT_EQ(cut.done_reason, "stop");
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(stop)));
  o.stop = {""};
  Session session(*model_, 256, *pool_);
  EXPECT_FALSE(Generate(session, *tokenizer_, prompt, o).ok());
}

TEST_F(GenerateTest, ThinkingBudgetForcesTheChannelClosed) {
  const int32_t open = tokenizer_->TokenId("<|channel>"), close = tokenizer_->TokenId("<channel|>");
  ASSERT_GE(open, 0);
  ASSERT_GE(close, 0);
  std::vector<int32_t> prompt = Prompt("<|turn>model\n<|channel>thought\n");
  ASSERT_EQ(std::count(prompt.begin(), prompt.end(), open), 1);
  GenerateOptions o = Greedy(12);
  o.max_thinking_tokens = 4;
  const GenerateResult r = Run(prompt, o);
  ASSERT_GE(r.ids.size(), 5u) << "the model ended before the budget";
  for (int i = 0; i < 4; ++i) EXPECT_NE(r.ids[static_cast<size_t>(i)], close);
  EXPECT_EQ(r.ids[4], close);
  // Outside a channel nothing is forced.
  const GenerateResult free_run = Run(Prompt("Hello"), o);
  EXPECT_EQ(std::count(free_run.ids.begin(), free_run.ids.end(), close), 0);
}

TEST_F(GenerateTest, CancelStopsBeforeTheFirstToken) {
  std::atomic<bool> cancel{true};
  const GenerateResult r = Run(Prompt("Hello"), Greedy(10), &cancel);
  EXPECT_EQ(r.done_reason, "cancel");
  EXPECT_TRUE(r.ids.empty());
}

TEST_F(GenerateTest, PrefillReusesTheCachedPrefix) {
  const std::vector<int32_t> first = Prompt("A long shared conversation prefix that the next turn repeats");
  std::vector<int32_t> second = first;
  for (int32_t id : Prompt(" and a new question?")) second.push_back(id);
  Session reused(*model_, 256, *pool_);
  ASSERT_TRUE(reused.Prefill(first).ok());
  Result<std::span<const float>> a = reused.Prefill(second);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(reused.last_reused(), static_cast<int64_t>(first.size()));
  const std::vector<float> via_reuse(a->begin(), a->end());
  Session fresh(*model_, 256, *pool_);
  Result<std::span<const float>> b = fresh.Prefill(second);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(fresh.last_reused(), 0);
  double num = 0, den = 0;
  for (size_t i = 0; i < via_reuse.size(); ++i) {
    num += std::pow(via_reuse[i] - (*b)[i], 2);
    den += std::pow((*b)[i], 2);
  }
  EXPECT_LT(std::sqrt(num / den), 1e-5);
  // The same prompt again recomputes only its last token.
  ASSERT_TRUE(reused.Prefill(second).ok());
  EXPECT_EQ(reused.last_reused(), static_cast<int64_t>(second.size()) - 1);
}

// A schema with an integer, a boolean and an enum string: the random model's answers, sampled
// at temperature > 0 under several seeds (and greedily), parse and have the schema's shape.
TEST_F(GenerateTest, FormatSchemaOutputParsesAndMatches) {
  const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(R"({"type":"object","properties":{
      "count":{"type":"integer"},"ok":{"type":"boolean"},"colour":{"enum":["red","green","blue"]}},
      "required":["count","ok","colour"]})");
  Result<std::shared_ptr<const JsonGrammar>> grammar = CompileJsonFormat(schema);
  ASSERT_TRUE(grammar.ok());
  const std::vector<int32_t> prompt = Prompt("<|turn>user\nDescribe a ball as JSON<turn|>\n<|turn>model\n");
  for (uint64_t seed : {0, 1, 2, 3}) {
    GenerateOptions o;
    o.sampling.temperature = seed == 0 ? 0.0f : 0.9f;
    o.sampling.seed = seed;
    o.num_predict = 200;
    o.format = *grammar;
    const GenerateResult r = Run(prompt, o);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + r.text);
    EXPECT_EQ(r.done_reason, "stop");
    const nlohmann::json j = nlohmann::json::parse(r.text, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.size(), 3u);
    EXPECT_TRUE(j["count"].is_number_integer());
    EXPECT_TRUE(j["ok"].is_boolean());
    ASSERT_TRUE(j["colour"].is_string());
    const std::string colour = j["colour"];
    EXPECT_TRUE(colour == "red" || colour == "green" || colour == "blue") << colour;
    EXPECT_FALSE(tokenizer_->IsEog(r.ids.back())) << "the stream ends when the value is complete";
  }
}

// "json": any object. Strings are free text, which a random model rarely closes, so each run
// either completes (and parses as an object) or stops at num_predict with a valid JSON prefix.
TEST_F(GenerateTest, FormatJsonModeGivesAnObjectOrAValidPrefix) {
  Result<std::shared_ptr<const JsonGrammar>> grammar = CompileJsonFormat(nlohmann::ordered_json("json"));
  ASSERT_TRUE(grammar.ok());
  int completed = 0;
  for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    GenerateOptions o;
    o.sampling.temperature = 0.8f;
    o.sampling.seed = seed;
    o.num_predict = 120;
    o.format = *grammar;
    const GenerateResult r = Run(Prompt("Reply in JSON:"), o);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + r.text);
    ASSERT_FALSE(r.text.empty());
    EXPECT_EQ(r.text.find_first_not_of(" \t\r\n"), r.text.find('{')) << "an object first";
    try {
      const nlohmann::json j = nlohmann::json::parse(r.text);
      EXPECT_TRUE(j.is_object());
      EXPECT_EQ(r.done_reason, "stop");
      ++completed;
    } catch (const nlohmann::json::parse_error& e) {
      // Only the end of the input may be missing.
      EXPECT_EQ(r.done_reason, "length");
      EXPECT_EQ(e.byte, r.text.size() + 1) << e.what();
    }
  }
  std::printf("json mode: %d of 6 runs completed\n", completed);
}

// Inside the thought channel nothing is constrained; the format starts after `<channel|>`.
TEST_F(GenerateTest, FormatStartsAfterTheThoughtChannel) {
  const int32_t close = tokenizer_->TokenId("<channel|>");
  Result<std::shared_ptr<const JsonGrammar>> grammar =
      CompileJsonFormat(nlohmann::ordered_json::parse(R"({"type":"array","items":{"type":"boolean"},"maxItems":3})"));
  ASSERT_TRUE(grammar.ok());
  GenerateOptions o = Greedy(100);
  o.max_thinking_tokens = 4;
  o.format = *grammar;
  const GenerateResult r = Run(Prompt("<|turn>model\n<|channel>thought\n"), o);
  ASSERT_GE(r.ids.size(), 6u);
  EXPECT_EQ(r.ids[4], close) << "the budget closed the channel";
  const std::string thought = *tokenizer_->Decode(std::span(r.ids).first(4), /*render_special=*/true);
  EXPECT_NE(thought.find_first_not_of(" \t\r\n[]truefals,"), std::string::npos)
      << "the free thought text is not itself shaped by the format: " << thought;
  const std::string answer = r.text.substr(r.text.find("<channel|>") + 10);
  const nlohmann::json j = nlohmann::json::parse(answer, nullptr, false);
  ASSERT_TRUE(j.is_array()) << answer;
  EXPECT_LE(j.size(), 3u);
  for (const nlohmann::json& v : j) EXPECT_TRUE(v.is_boolean());
  EXPECT_EQ(r.done_reason, "stop");
}

TEST_F(GenerateTest, PromptLongerThanTheContextIsAnError) {
  Session session(*model_, 8, *pool_);
  Result<GenerateResult> r = Generate(session, *tokenizer_, Prompt("one two three four five six seven eight nine"), Greedy(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace hearth
