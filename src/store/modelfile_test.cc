#include "store/modelfile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::store {
namespace {

TEST(Modelfile, ParsesEveryInstruction) {
  const char* text = R"(# a comment
FROM ./tiny.gguf
parameter temperature 0.7
PARAMETER top_k 40
PARAMETER stop "<turn|>"
PARAMETER stop <eos>
SYSTEM """You are
a "terse" assistant."""
TEMPLATE "{{ .Prompt }}"
ADAPTER ./lora.gguf
MESSAGE user Hello there
MESSAGE assistant "Hi! \"quoted\""
LICENSE """MIT"""
)";
  Result<Modelfile> mf = ParseModelfile(text);
  ASSERT_TRUE(mf.ok()) << mf.error().message();
  EXPECT_EQ(mf->from, "./tiny.gguf");
  ASSERT_EQ(mf->parameters.size(), 4u);
  EXPECT_EQ(mf->parameters[0], (std::pair<std::string, std::string>{"temperature", "0.7"}));
  EXPECT_EQ(mf->parameters[2].second, "<turn|>");
  EXPECT_TRUE(mf->has_system);
  EXPECT_EQ(mf->system, "You are\na \"terse\" assistant.");
  EXPECT_EQ(mf->template_text, "{{ .Prompt }}");
  EXPECT_EQ(mf->adapters, std::vector<std::string>{"./lora.gguf"});
  ASSERT_EQ(mf->messages.size(), 2u);
  EXPECT_EQ(mf->messages[0], (ModelfileMessage{"user", "Hello there"}));
  EXPECT_EQ(mf->messages[1], (ModelfileMessage{"assistant", "Hi! \"quoted\""}));
  EXPECT_EQ(mf->license, "MIT");

  Result<std::string> params = ParametersJson(mf->parameters);
  ASSERT_TRUE(params.ok()) << params.error().message();
  const nlohmann::json j = nlohmann::json::parse(*params);
  EXPECT_DOUBLE_EQ(j["temperature"].get<double>(), 0.7);
  EXPECT_EQ(j["top_k"].get<int>(), 40);
  EXPECT_EQ(j["stop"], nlohmann::json::array({"<turn|>", "<eos>"}));
  EXPECT_EQ(nlohmann::json::parse(MessagesJson(mf->messages))[1]["role"], "assistant");
}

TEST(Modelfile, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* expect;
  };
  for (const Case& c : {Case{"FROM x\nBOGUS y\n", "line 2: unknown instruction 'BOGUS'"},
                        Case{"PARAMETER top_k 3\n", "no FROM"},
                        Case{"FROM a\nFROM b\n", "line 2: more than one FROM"},
                        Case{"FROM a\nSYSTEM \"\"\"open\nnever closed\n", "line 2: unterminated \"\"\""},
                        Case{"FROM a\nSYSTEM \"open\n", "line 2: unterminated quote"},
                        Case{"FROM a\nMESSAGE tool hi\n", "line 2: MESSAGE role must be"},
                        Case{"FROM a\nPARAMETER top_k\n", "line 2: parameter needs a name and a value"},
                        Case{"FROM\n", "line 1: missing value"}}) {
    Result<Modelfile> mf = ParseModelfile(c.text);
    ASSERT_FALSE(mf.ok()) << c.text;
    EXPECT_NE(mf.error().message().find(c.expect), std::string::npos) << mf.error().message();
  }
}

TEST(Modelfile, ParameterValuesAreTyped) {
  EXPECT_FALSE(ParametersJson({{"top_k", "many"}}).ok());
  EXPECT_FALSE(ParametersJson({{"top_k", "4.5"}}).ok());
  EXPECT_FALSE(ParametersJson({{"temperature", "hot"}}).ok());
  EXPECT_FALSE(ParametersJson({{"use_mmap", "maybe"}}).ok());
  Result<std::string> unknown = ParametersJson({{"warp_speed", "9"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("warp_speed"), std::string::npos);
  EXPECT_EQ(*ParametersJson({{"seed", "-1"}, {"use_mmap", "TRUE"}}), R"({"seed":-1,"use_mmap":true})");
}

// Found by modelfile_fuzz: invalid UTF-8 reached the JSON layers and aborted `hearth create`.
TEST(Modelfile, RefusesInvalidUtf8NamingTheLine) {
  Result<Modelfile> mf = ParseModelfile("FROM x.gguf\nSYSTEM ok\nMESSAGE user caf\xe9\n");
  ASSERT_FALSE(mf);
  EXPECT_EQ(mf.error().message(), "Modelfile line 3: not valid UTF-8");
  EXPECT_TRUE(ParseModelfile("FROM x.gguf\nSYSTEM caf\xc3\xa9\n").ok());
}

}  // namespace
}  // namespace hearth::store
