#include "store/hf_files.h"

#include <gtest/gtest.h>

#include "store/pull.h"

namespace hearth::store {
namespace {

std::vector<HubFile> Files(std::initializer_list<const char*> paths) {
  std::vector<HubFile> out;
  for (const char* p : paths) out.push_back({p, 1, ""});
  return out;
}

TEST(HfFiles, QuantLabels) {
  EXPECT_EQ(QuantLabel("gemma-4-E4B-it-Q4_K_M.gguf"), "Q4_K_M");
  EXPECT_EQ(QuantLabel("gemma-4-E4B-it-UD-Q4_K_XL.gguf"), "UD-Q4_K_XL");
  EXPECT_EQ(QuantLabel("gemma-4-E2B-it.Q8_0.gguf"), "Q8_0");
  EXPECT_EQ(QuantLabel("mmproj-BF16.gguf"), "BF16");
  EXPECT_EQ(QuantLabel("sub/google_gemma-4-31B-it-IQ4_NL.gguf"), "IQ4_NL");
  EXPECT_EQ(QuantLabel("gemma-4-e2b-it-f16.gguf"), "F16");
  EXPECT_EQ(QuantLabel("README.md"), "");
}

TEST(HfFiles, DefaultPrefersQ4KMThenQ8_0ThenFirst) {
  const auto repo = Files({"README.md", "gemma-4-E4B-it-Q8_0.gguf", "gemma-4-E4B-it-Q4_K_M.gguf",
                           "mmproj-gemma-4-E4B-it-Q8_0.gguf", "mmproj-gemma-4-E4B-it-bf16.gguf"});
  Result<HubSelection> s = SelectHubFiles(repo, "");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->model.path, "gemma-4-E4B-it-Q4_K_M.gguf");
  EXPECT_EQ(s->quant, "Q4_K_M");
  ASSERT_TRUE(s->mmproj.has_value());
  EXPECT_EQ(s->mmproj->path, "mmproj-gemma-4-E4B-it-bf16.gguf");  // no Q4_K_M projector, no F16: BF16
  EXPECT_EQ(SelectHubFiles(Files({"a-Q8_0.gguf", "a-F16.gguf"}), "")->model.path, "a-Q8_0.gguf");
  EXPECT_EQ(SelectHubFiles(Files({"b-Q5_K_M.gguf", "a-Q6_K.gguf"}), "")->model.path, "a-Q6_K.gguf");
  EXPECT_FALSE(SelectHubFiles(Files({"a-Q8_0.gguf"}), "")->mmproj.has_value());
}

TEST(HfFiles, TagMatchesCaseInsensitivelyAndPrefersThePlainName) {
  const auto repo = Files({"gemma-4-E4B-it-UD-Q4_K_M.gguf", "gemma-4-E4B-it-Q4_K_M.gguf", "gemma-4-E4B-it-Q4_K_S.gguf",
                           "gemma-4-E4B-it-UD-Q4_K_XL.gguf", "mmproj-F16.gguf", "gemma-4-E4B-it-Q4_K_M-imatrix.gguf"});
  EXPECT_EQ(SelectHubFiles(repo, "q4_k_m")->model.path, "gemma-4-E4B-it-Q4_K_M.gguf");
  EXPECT_EQ(SelectHubFiles(repo, "ud-q4_k_xl")->model.path, "gemma-4-E4B-it-UD-Q4_K_XL.gguf");
  EXPECT_EQ(SelectHubFiles(repo, "gemma-4-E4B-it-Q4_K_S.gguf")->model.path, "gemma-4-E4B-it-Q4_K_S.gguf");
  EXPECT_EQ(SelectHubFiles(repo, "Q4_K_M")->mmproj->path, "mmproj-F16.gguf");
  Result<HubSelection> missing = SelectHubFiles(repo, "Q2_K");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("Q2_K"), std::string::npos);
  EXPECT_NE(missing.error().message().find("UD-Q4_K_XL"), std::string::npos);
  EXPECT_NE(missing.error().message().find("Q4_K_S"), std::string::npos);
  EXPECT_FALSE(SelectHubFiles(Files({"README.md", "mmproj-F16.gguf"}), "").ok());
  EXPECT_EQ(SelectHubFiles(Files({"m-Q4_K_M-00001-of-00002.gguf", "m-Q4_K_M-00002-of-00002.gguf"}), "").status().code(),
            StatusCode::kUnsupported);
}

TEST(Pull, AliasesMapToPublicRepos) {
  EXPECT_EQ(ResolvePullTarget("gemma4")->repo, "ggml-org/gemma-4-E4B-it-GGUF");
  EXPECT_EQ(ResolvePullTarget("gemma4:e2b")->repo, "ggml-org/gemma-4-E2B-it-GGUF");
  EXPECT_EQ(ResolvePullTarget("gemma4:2b-e2b")->repo, "ggml-org/gemma-4-E2B-it-GGUF");
  EXPECT_EQ(ResolvePullTarget("gemma4:4b-e4b")->repo, "ggml-org/gemma-4-E4B-it-GGUF");
  EXPECT_EQ(ResolvePullTarget("gemma4:26b-a4b")->repo, "ggml-org/gemma-4-26B-A4B-it-GGUF");
  EXPECT_EQ(ResolvePullTarget("gemma4:31B")->repo, "ggml-org/gemma-4-31B-it-GGUF");
  EXPECT_EQ(ResolvePullTarget("gemma4:26b")->name.Display(), "gemma4:26b");
  Result<PullTarget> hf = ResolvePullTarget("hf.co/unsloth/gemma-4-E4B-it-GGUF:UD-Q4_K_XL");
  ASSERT_TRUE(hf.ok());
  EXPECT_EQ(hf->repo, "unsloth/gemma-4-E4B-it-GGUF");
  EXPECT_EQ(hf->quant, "UD-Q4_K_XL");
  EXPECT_EQ(ResolvePullTarget("hf.co/unsloth/gemma-4-E4B-it-GGUF")->quant, "");
  EXPECT_NE(ResolvePullTarget("gemma4:7b").error().message().find("e2b"), std::string::npos);
  EXPECT_EQ(ResolvePullTarget("gemma4:31b-cloud").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ResolvePullTarget("llama3").status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(ResolvePullTarget("hf.co/../../etc/passwd").ok());
}

}  // namespace
}  // namespace hearth::store
