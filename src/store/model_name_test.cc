#include "store/model_name.h"

#include <gtest/gtest.h>

namespace hearth::store {
namespace {

TEST(ModelName, DefaultsFillHostNamespaceAndTag) {
  Result<ModelName> n = ParseModelName("gemma4");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(n->host, "registry.ollama.ai");
  EXPECT_EQ(n->name_space, "library");
  EXPECT_EQ(n->model, "gemma4");
  EXPECT_EQ(n->tag, "latest");
  EXPECT_FALSE(n->tag_given);
  EXPECT_EQ(n->Display(), "gemma4:latest");
  EXPECT_EQ(n->ManifestRelPath(), "registry.ollama.ai/library/gemma4/latest");
}

TEST(ModelName, HuggingFaceNamesKeepCaseButCompareLowerCase) {
  Result<ModelName> n = ParseModelName("huggingface.co/ggml-org/gemma-4-E4B-it-GGUF:Q4_K_M");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_TRUE(n->IsHuggingFace());
  EXPECT_EQ(n->host, "hf.co");
  EXPECT_EQ(n->name_space, "ggml-org");
  EXPECT_EQ(n->model, "gemma-4-E4B-it-GGUF");
  EXPECT_EQ(n->tag, "Q4_K_M");
  EXPECT_TRUE(n->tag_given);
  EXPECT_EQ(n->Display(), "hf.co/ggml-org/gemma-4-E4B-it-GGUF:Q4_K_M");
  EXPECT_EQ(n->ManifestRelPath(), "hf.co/ggml-org/gemma-4-e4b-it-gguf/q4_k_m");
  EXPECT_EQ(ParseModelName("hf.co/GGML-org/Gemma-4-e4b-it-gguf:q4_k_m")->ManifestRelPath(), n->ManifestRelPath());
}

TEST(ModelName, HostWithPortAndSchemeAndNamespace) {
  Result<ModelName> n = ParseModelName("https://localhost:8080/me/tiny.v2:1.0");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(n->host, "localhost:8080");
  EXPECT_EQ(n->name_space, "me");
  EXPECT_EQ(n->model, "tiny.v2");
  EXPECT_EQ(n->tag, "1.0");
  Result<ModelName> two = ParseModelName("me/tiny");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->Display(), "me/tiny:latest");
}

TEST(ModelName, RejectsNamesThatCouldEscapeTheStore) {
  for (const char* bad : {"../../etc/passwd", "..", "../x", "./x", "/etc/passwd", "a/../b", "x:..", "x:../y",
                          ".hidden", "a//b", "a/b/c/d", "ns.with.dot/x", "x:", ":tag", "", "a\\b", "a b",
                          "caf\xc3\xa9", "x\n", "x\x01", "-x", "x:-y", "x:a:b", "h:1/ns/m:t/x"}) {
    Result<ModelName> n = ParseModelName(bad);
    EXPECT_FALSE(n.ok()) << "accepted '" << bad << "' as " << (n.ok() ? n->ManifestRelPath() : "");
  }
}

TEST(ModelName, PartLengthLimits) {
  EXPECT_TRUE(ParseModelName(std::string(80, 'a')).ok());
  EXPECT_FALSE(ParseModelName(std::string(81, 'a')).ok());
  EXPECT_TRUE(ParseModelName("x:" + std::string(80, 't')).ok());
  EXPECT_FALSE(ParseModelName("x:" + std::string(81, 't')).ok());
}

}  // namespace
}  // namespace hearth::store
