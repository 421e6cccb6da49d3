// CreateModel (store/create.h) and LoadModelConfig (store/model_config.h): what a Modelfile puts
// into the store comes back as the settings `run` and `serve` apply.
#include "store/model_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "store/create.h"

namespace hearth::store {
namespace {

namespace fs = std::filesystem;

class ModelConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/hearth-model-config-" + std::to_string(::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ + "/tiny.gguf") << "GGUF not really";
  }
  void TearDown() override { fs::remove_all(dir_); }

  ModelName Name(const char* text) {
    Result<ModelName> n = ParseModelName(text);
    EXPECT_TRUE(n.ok());
    return *n;
  }

  std::string dir_;
};

TEST_F(ModelConfigTest, ModelfileSettingsComeBack) {
  const ModelStore store(dir_ + "/models");
  Result<Modelfile> mf = ParseModelfile(R"(FROM ./tiny.gguf
PARAMETER temperature 0.25
PARAMETER num_ctx 512
PARAMETER stop "<end>"
PARAMETER stop STOP2
SYSTEM """You are a pirate."""
TEMPLATE "{{ .Prompt }}"
MESSAGE user hi
MESSAGE assistant "ahoy"
)");
  ASSERT_TRUE(mf.ok()) << mf.error().message();
  std::vector<std::string> said;
  CreateHooks hooks{.on_status = [&](std::string_view s) { said.emplace_back(s); }};
  Result<Manifest> m = CreateModel(store, Name("Pirate"), *mf, dir_, hooks);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_FALSE(said.empty());
  EXPECT_EQ(said.front(), "parsing GGUF");
  EXPECT_EQ(said.back(), "writing manifest");

  Result<ModelConfig> c = LoadModelConfig(store, Name("pirate:latest"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->has_system);
  EXPECT_EQ(c->system, "You are a pirate.");
  EXPECT_EQ(c->template_text, "{{ .Prompt }}");
  EXPECT_DOUBLE_EQ(c->parameters.at("temperature").get<double>(), 0.25);
  EXPECT_EQ(c->parameters.at("num_ctx").get<int>(), 512);
  EXPECT_EQ(c->parameters.at("stop"), nlohmann::json({"<end>", "STOP2"}));
  ASSERT_EQ(c->messages.size(), 2u);
  EXPECT_EQ(c->messages[1].at("content"), "ahoy");
  // The model layer is a copy of the file, content-addressed.
  std::ifstream blob(c->model_path);
  std::string bytes((std::istreambuf_iterator<char>(blob)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, "GGUF not really");
}

TEST_F(ModelConfigTest, CreatedFromAnotherModelKeepsItsLayersAndOverrides) {
  const ModelStore store(dir_ + "/models");
  Modelfile base;
  base.from = dir_ + "/tiny.gguf";
  base.system = "first", base.has_system = true;
  ASSERT_TRUE(CreateModel(store, Name("base"), base, dir_).ok());
  Modelfile child;
  child.from = "base";
  child.parameters = {{"top_k", "7"}};
  ASSERT_TRUE(CreateModel(store, Name("child"), child, dir_).ok());
  Result<ModelConfig> c = LoadModelConfig(store, Name("child"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->system, "first");
  EXPECT_EQ(c->parameters.at("top_k").get<int>(), 7);
  Result<ModelConfig> b = LoadModelConfig(store, Name("base"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->model_path, c->model_path);
  EXPECT_TRUE(b->parameters.empty());
  EXPECT_TRUE(b->template_text.empty());
}

TEST_F(ModelConfigTest, FailedCheckWritesNothing) {
  const ModelStore store(dir_ + "/models");
  Modelfile mf;
  mf.from = "./tiny.gguf";
  CreateHooks hooks{.check_model = [](const std::string&) { return InvalidArgument("not a GGUF file"); }};
  Result<Manifest> m = CreateModel(store, Name("bad"), mf, dir_, hooks);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("FROM ./tiny.gguf"), std::string::npos) << m.error().message();
  Result<std::vector<StoreEntry>> list = store.List();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(LoadModelConfig(store, Name("bad")).error().code(), StatusCode::kNotFound);
}

TEST_F(ModelConfigTest, MissingFromIsNotFound) {
  const ModelStore store(dir_ + "/models");
  Modelfile mf;
  mf.from = "./absent.gguf";
  EXPECT_EQ(CreateModel(store, Name("x"), mf, dir_).error().code(), StatusCode::kNotFound);
  mf.from = "nosuchmodel";
  EXPECT_EQ(CreateModel(store, Name("x"), mf, dir_).error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace hearth::store
