// Load-time validation of files that parse as GGUF but are not a sound Gemma 4 model: each case
// rewrites a valid random model with one defect (GgufReader -> GgufWriter) and expects a
// CorruptFile error that names the key or tensor at fault. The unmodified rewrite must load, so
// a failure cannot come from the rewriting itself.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "gguf/gguf_writer.h"
#include "model/gemma4/gemma4_model.h"
#include "model/gemma4/gemma4_test_model.h"

namespace hearth {
namespace {

constexpr int kVocab = 512;

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/load-" + name + "-" + std::to_string(getpid()) + ".gguf";
}

// One defect: extra or replaced metadata, a tensor with another shape (zero-filled), or one f32
// element of a tensor overwritten.
struct Defect {
  std::function<void(GgufWriter&)> meta;
  std::string tensor;
  std::vector<int64_t> ne;
  int64_t element = -1;
  float value = std::numeric_limits<float>::quiet_NaN();
};

class LoadValidation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestModelOptions o;
    o.preset = "dense-tiny";
    o.type = "f32";
    o.n_vocab = kVocab;
    o.out_path = TempPath("base");
    Result<uint64_t> written = WriteTestModel(o);
    ASSERT_TRUE(written.ok()) << written.error().ToString();
    base_ = o.out_path;
  }
  static void TearDownTestSuite() { std::remove(base_.c_str()); }

  // The base model rewritten with `d`; the error of loading it ("" when it loads).
  static std::string LoadWith(const Defect& d) {
    Result<GgufFile> src = GgufFile::Open(base_);
    EXPECT_TRUE(src.ok());
    if (!src) return "cannot reopen the base model";
    GgufWriter w;
    for (const auto& [key, value] : src->metadata()) w.CopyValue(key, value);
    if (d.meta) d.meta(w);
    for (const GgufTensorInfo& t : src->tensors()) {
      Result<size_t> n = w.AddTensor(t.name, t.name == d.tensor && !d.ne.empty() ? d.ne : t.ne, t.type);
      EXPECT_TRUE(n.ok()) << t.name;
    }
    const std::string path = TempPath("defect");
    EXPECT_TRUE(w.Begin(path).ok());
    for (const GgufTensorInfo& t : src->tensors()) {
      std::vector<uint8_t> bytes(t.data, t.data + t.n_bytes);
      if (t.name == d.tensor && !d.ne.empty()) {
        int64_t n = 1;
        for (int64_t x : d.ne) n *= x;
        bytes.assign(static_cast<size_t>(n) * sizeof(float), 0);
      }
      if (t.name == d.tensor && d.element >= 0) {
        std::memcpy(bytes.data() + static_cast<size_t>(d.element) * sizeof(float), &d.value, sizeof(float));
      }
      EXPECT_TRUE(w.Append(bytes.data(), bytes.size()).ok());
    }
    EXPECT_TRUE(w.Finish().ok());
    Result<std::unique_ptr<Gemma4Model>> m = Gemma4Model::Load(path);
    std::remove(path.c_str());
    if (m) return "";
    EXPECT_EQ(m.error().code(), StatusCode::kCorruptFile) << m.error().ToString();
    return m.error().message();
  }

  static std::string base_;
};

std::string LoadValidation::base_;

#define EXPECT_REFUSED(defect, needle)                                    \
  do {                                                                    \
    const std::string err = LoadWith(defect);                             \
    EXPECT_NE(err.find(needle), std::string::npos) << "error: " << err; \
  } while (0)

TEST_F(LoadValidation, UnmodifiedRewriteLoads) { EXPECT_EQ(LoadWith(Defect{}), ""); }

TEST_F(LoadValidation, RefusesVocabularySmallerThanEmbeddingRows) {
  Defect d;
  d.meta = [](GgufWriter& w) { w.SetStringArray("tokenizer.ggml.tokens", std::vector<std::string>(100, "x")); };
  EXPECT_REFUSED(d, "vocabulary has 100 tokens but token_embd.weight has 512 rows");
}

TEST_F(LoadValidation, RefusesInconsistentShapes) {
  Defect ffn;
  ffn.tensor = "blk.0.ffn_up.weight";
  ffn.ne = {256, 511};
  EXPECT_REFUSED(ffn, "tensor blk.0.ffn_up.weight: shape [256, 511] != expected [256, 512]");
  Defect norm;
  norm.tensor = "blk.3.attn_norm.weight";
  norm.ne = {255};
  EXPECT_REFUSED(norm, "tensor blk.3.attn_norm.weight: shape [255] != expected [256]");
  Defect embd;
  embd.tensor = "token_embd.weight";
  embd.ne = {128, kVocab};
  EXPECT_REFUSED(embd, "tensor token_embd.weight: shape [128, 512] != expected [256, n_vocab]");
}

TEST_F(LoadValidation, RefusesNonFiniteWeights) {
  Defect norm;
  norm.tensor = "output_norm.weight";
  norm.element = 3;
  EXPECT_REFUSED(norm, "tensor output_norm.weight contains NaN or Inf");
  // Large matrices are sampled: the first and last rows are always among the samples.
  Defect last_row;
  last_row.tensor = "token_embd.weight";
  last_row.element = int64_t{kVocab - 1} * 256 + 17;
  last_row.value = std::numeric_limits<float>::infinity();
  EXPECT_REFUSED(last_row, "tensor token_embd.weight: row 511 contains NaN or Inf");
  Defect first_row;
  first_row.tensor = "blk.1.ffn_down.weight";
  first_row.element = 5;
  EXPECT_REFUSED(first_row, "tensor blk.1.ffn_down.weight: row 0 contains NaN or Inf");
}

TEST_F(LoadValidation, RefusesBadHyperparameters) {
  Defect eps;
  eps.meta = [](GgufWriter& w) { w.SetFloat32("gemma4.attention.layer_norm_rms_epsilon", -1e-6f); };
  EXPECT_REFUSED(eps, "gemma4.attention.layer_norm_rms_epsilon");
  Defect base;
  base.meta = [](GgufWriter& w) { w.SetFloat32("gemma4.rope.freq_base", std::numeric_limits<float>::quiet_NaN()); };
  EXPECT_REFUSED(base, "gemma4.rope.freq_base");
  Defect cap;
  cap.meta = [](GgufWriter& w) { w.SetFloat32("gemma4.final_logit_softcapping", 0.0f); };
  EXPECT_REFUSED(cap, "gemma4.final_logit_softcapping");
  Defect ff;
  ff.meta = [](GgufWriter& w) { w.SetUint32("gemma4.feed_forward_length", 0); };
  EXPECT_REFUSED(ff, "feed_forward_length must be positive");
}

}  // namespace
}  // namespace hearth
