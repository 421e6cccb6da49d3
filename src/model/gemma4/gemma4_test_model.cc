#include "model/gemma4/gemma4_test_model.h"

#include <cmath>
#include <cstring>
#include <map>

#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

struct Shape {
  int n_layer, n_embd, n_head;
  int n_head_kv_swa, n_head_kv_full;
  int head_dim_swa, head_dim_full;
  std::vector<int> n_ff;  // per layer
  int n_embd_per_layer = 0;
  int window;
  int full_every;         // a FULL layer after every (full_every - 1) SWA layers
  int shared_kv_layers = 0;
  bool k_eq_v_full = false;
  int n_expert = 0, n_expert_used = 0, n_ff_exp = 0;
  int ctx;
};

std::vector<int> Repeat(int n, int v) { return std::vector<int>(static_cast<size_t>(n), v); }

Result<Shape> PresetShape(const std::string& name) {
  // Tiny presets: E and FFN widths are multiples of 256 so K-quant blocks are exercised; the
  // shared-KV split puts a FULL layer last and a SWA layer second-to-last before the shared
  // layers, where llama.cpp's hard-coded donors (F-1, F-2) agree with the HF rule (spec §d.9).
  if (name == "e-tiny") {
    std::vector<int> ff = Repeat(10, 512);
    for (int i = 5; i < 10; ++i) ff[static_cast<size_t>(i)] = 1024;  // double-wide MLP on shared layers, as E2B
    return Shape{10, 256, 4, 1, 1, 64, 128, ff, 16, 16, 5, 5, false, 0, 0, 0, 512};
  }
  if (name == "moe-tiny") return Shape{6, 256, 4, 2, 1, 64, 128, Repeat(6, 256), 0, 16, 6, 0, true, 8, 2, 256, 512};
  if (name == "dense-tiny") return Shape{12, 256, 4, 2, 1, 64, 128, Repeat(12, 512), 0, 16, 6, 0, true, 0, 0, 0, 512};
  if (name == "e2b") {
    std::vector<int> ff = Repeat(35, 6144);
    for (int i = 15; i < 35; ++i) ff[static_cast<size_t>(i)] = 12288;
    return Shape{35, 1536, 8, 1, 1, 256, 512, ff, 256, 512, 5, 20, false, 0, 0, 0, 131072};
  }
  if (name == "e4b") return Shape{42, 2560, 8, 2, 2, 256, 512, Repeat(42, 10240), 256, 512, 6, 18, false, 0, 0, 0, 131072};
  if (name == "26b-a4b") return Shape{30, 2816, 16, 8, 2, 256, 512, Repeat(30, 2112), 0, 1024, 6, 0, true, 128, 8, 704, 262144};
  if (name == "31b") return Shape{60, 5376, 32, 16, 4, 256, 512, Repeat(60, 21504), 0, 1024, 6, 0, true, 0, 0, 0, 262144};
  std::string list;
  for (const std::string& p : TestModelPresets()) list += (list.empty() ? "" : ", ") + p;
  return InvalidArgument("unknown preset '" + name + "' (choose one of: " + list + ")");
}

// The attention pattern: a FULL layer after every (full_every - 1) sliding ones.
bool IsFullLayer(const Shape& s, int il) { return (il + 1) % s.full_every == 0; }

// Deterministic across platforms: splitmix64 + Box-Muller (std::normal_distribution is not
// specified bit-for-bit).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  float Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(Uniform())), a = 2.0 * M_PI * Uniform();
    spare_ = static_cast<float>(r * std::sin(a));
    has_spare_ = true;
    return static_cast<float>(r * std::cos(a));
  }

 private:
  uint64_t state_;
  bool has_spare_ = false;
  float spare_ = 0;
};

// How one tensor's values are drawn.
enum class Init { kMatrix, kNorm, kQkNorm, kScale, kRopeFreqs, kEmbedding };

struct TensorPlan {
  std::string name;
  std::vector<int64_t> ne;
  GgmlType type;
  Init init;
  float stddev;  // for kMatrix / kEmbedding
};

// The storage type for a weight matrix of a quantized file. A row length that does not fit the
// type's block falls back to a 32-block format, then to f16, as llama.cpp's quantizer does.
GgmlType FitType(GgmlType want, int64_t cols) {
  if (cols % GetDtype(want).block_elems == 0) return want;
  const GgmlType fallback = (want == GgmlType::kQ6_K || want == GgmlType::kQ5_K) ? GgmlType::kQ8_0 : GgmlType::kQ5_0;
  if (cols % 32 == 0) return fallback;
  return GgmlType::kF16;
}

struct FileType {
  GgmlType base;
  bool k_mix = false;   // *_k_m: more bits for attn_v, ffn_down on some layers, and the embeddings
  GgmlType more_bits = GgmlType::kQ6_K;
  uint32_t gguf_file_type;  // general.file_type (llama_ftype)
};

Result<FileType> ParseFileType(const std::string& name) {
  static const std::map<std::string, FileType> kTypes = {
      {"f32", {GgmlType::kF32, false, GgmlType::kF32, 0}},   {"f16", {GgmlType::kF16, false, GgmlType::kF16, 1}},
      {"q4_0", {GgmlType::kQ4_0, false, GgmlType::kQ4_0, 2}}, {"q4_1", {GgmlType::kQ4_1, false, GgmlType::kQ4_1, 3}},
      {"q8_0", {GgmlType::kQ8_0, false, GgmlType::kQ8_0, 7}}, {"q5_0", {GgmlType::kQ5_0, false, GgmlType::kQ5_0, 8}},
      {"q5_1", {GgmlType::kQ5_1, false, GgmlType::kQ5_1, 9}}, {"q2_k", {GgmlType::kQ2_K, false, GgmlType::kQ2_K, 10}},
      {"q3_k", {GgmlType::kQ3_K, false, GgmlType::kQ3_K, 11}}, {"q4_k", {GgmlType::kQ4_K, false, GgmlType::kQ4_K, 14}},
      {"q4_k_m", {GgmlType::kQ4_K, true, GgmlType::kQ6_K, 15}}, {"q5_k", {GgmlType::kQ5_K, false, GgmlType::kQ5_K, 16}},
      {"q5_k_m", {GgmlType::kQ5_K, true, GgmlType::kQ6_K, 17}}, {"q6_k", {GgmlType::kQ6_K, false, GgmlType::kQ6_K, 18}},
      {"iq4_nl", {GgmlType::kIQ4_NL, false, GgmlType::kIQ4_NL, 25}}, {"iq4_xs", {GgmlType::kIQ4_XS, false, GgmlType::kIQ4_XS, 30}},
      {"bf16", {GgmlType::kBF16, false, GgmlType::kBF16, 32}},
  };
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = kTypes.find(lower);
  if (it == kTypes.end()) {
    std::string list;
    for (const auto& [k, v] : kTypes) list += (list.empty() ? "" : ", ") + k;
    return InvalidArgument("unknown --type '" + name + "' (choose one of: " + list + ")");
  }
  return it->second;
}

// llama.cpp's "use more bits" layer rule for *_K_M mixes: the first and last eighth of the
// layers and every third layer in between.
bool UseMoreBits(int il, int n_layer) {
  return il < n_layer / 8 || il >= 7 * n_layer / 8 || (il - n_layer / 8) % 3 == 2;
}

std::vector<TensorPlan> PlanTensors(const Shape& s, const FileType& ft, int64_t n_vocab) {
  std::vector<TensorPlan> plan;
  const int64_t E = s.n_embd;
  auto matrix = [&](std::string name, std::vector<int64_t> ne, bool more_bits = false) {
    const GgmlType want = (ft.k_mix && more_bits) ? ft.more_bits : ft.base;
    const float stddev = 1.0f / std::sqrt(static_cast<float>(ne[0]));
    plan.push_back({std::move(name), ne, FitType(want, ne[0]), Init::kMatrix, stddev});
  };
  auto vec = [&](std::string name, int64_t n, Init init) {
    plan.push_back({std::move(name), {n}, GgmlType::kF32, init, 0});
  };
  // Tied embeddings: the table is also the LM head, which *_K_M keeps at Q6_K.
  plan.push_back({"token_embd.weight", {E, n_vocab}, FitType(ft.k_mix ? ft.more_bits : ft.base, E), Init::kEmbedding,
                  1.0f / std::sqrt(static_cast<float>(E))});
  vec("output_norm.weight", E, Init::kNorm);
  // llama.cpp loads rope_freqs only when a FULL layer uses it, and refuses unused tensors.
  if (s.n_layer >= s.full_every) {
    plan.push_back({"rope_freqs.weight", {s.head_dim_full / 2}, GgmlType::kF32, Init::kRopeFreqs, 0});
  }
  const int64_t LP = static_cast<int64_t>(s.n_layer) * s.n_embd_per_layer;
  if (s.n_embd_per_layer > 0) {
    plan.push_back({"per_layer_token_embd.weight", {LP, n_vocab}, FitType(ft.base, LP), Init::kEmbedding,
                    1.0f / std::sqrt(static_cast<float>(s.n_embd_per_layer))});
    matrix("per_layer_model_proj.weight", {E, LP});
    vec("per_layer_proj_norm.weight", s.n_embd_per_layer, Init::kNorm);
  }
  const int first_shared = s.n_layer - s.shared_kv_layers;
  for (int il = 0; il < s.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    const bool full = IsFullLayer(s, il);
    const int64_t hd = full ? s.head_dim_full : s.head_dim_swa;
    const int64_t kv = (full ? s.n_head_kv_full : s.n_head_kv_swa) * hd;
    const int64_t q = static_cast<int64_t>(s.n_head) * hd;
    const int64_t F = s.n_ff[static_cast<size_t>(il)];
    const bool more = UseMoreBits(il, s.n_layer);
    vec(p + "attn_norm.weight", E, Init::kNorm);
    matrix(p + "attn_q.weight", {E, q});
    vec(p + "attn_q_norm.weight", hd, Init::kQkNorm);
    if (il < first_shared) {
      matrix(p + "attn_k.weight", {E, kv});
      if (!(full && s.k_eq_v_full)) matrix(p + "attn_v.weight", {E, kv}, more);
      vec(p + "attn_k_norm.weight", hd, Init::kQkNorm);
    }
    matrix(p + "attn_output.weight", {q, E});
    vec(p + "post_attention_norm.weight", E, Init::kNorm);
    vec(p + "ffn_norm.weight", E, Init::kNorm);
    matrix(p + "ffn_gate.weight", {E, F});
    matrix(p + "ffn_up.weight", {E, F});
    matrix(p + "ffn_down.weight", {F, E}, more);
    vec(p + "post_ffw_norm.weight", E, Init::kNorm);
    vec(p + "layer_output_scale.weight", 1, Init::kScale);
    if (s.n_expert > 0) {
      matrix(p + "ffn_gate_inp.weight", {E, s.n_expert});
      vec(p + "ffn_gate_inp.scale", E, Init::kNorm);
      vec(p + "pre_ffw_norm_2.weight", E, Init::kNorm);
      vec(p + "post_ffw_norm_1.weight", E, Init::kNorm);
      vec(p + "post_ffw_norm_2.weight", E, Init::kNorm);
      matrix(p + "ffn_gate_up_exps.weight", {E, 2 * s.n_ff_exp, s.n_expert});
      matrix(p + "ffn_down_exps.weight", {s.n_ff_exp, E, s.n_expert}, more);
      vec(p + "ffn_down_exps.scale", s.n_expert, Init::kNorm);
    }
    if (s.n_embd_per_layer > 0) {
      matrix(p + "inp_gate.weight", {E, s.n_embd_per_layer});
      matrix(p + "proj.weight", {s.n_embd_per_layer, E});
      vec(p + "post_norm.weight", E, Init::kNorm);
    }
  }
  return plan;
}

void WriteMetadata(GgufWriter& w, const Shape& s, const FileType& ft, const std::string& preset) {
  const int L = s.n_layer;
  w.SetString("general.architecture", "gemma4");
  w.SetString("general.name", "hearth-test-" + preset);
  w.SetUint32("general.file_type", ft.gguf_file_type);
  w.SetUint32("general.quantization_version", 2);
  w.SetUint32("gemma4.block_count", static_cast<uint32_t>(L));
  w.SetUint32("gemma4.context_length", static_cast<uint32_t>(s.ctx));
  w.SetUint32("gemma4.embedding_length", static_cast<uint32_t>(s.n_embd));
  w.SetInt32Array("gemma4.feed_forward_length", std::vector<int32_t>(s.n_ff.begin(), s.n_ff.end()));
  w.SetUint32("gemma4.attention.head_count", static_cast<uint32_t>(s.n_head));
  std::vector<int32_t> kv_heads;
  std::vector<bool> pattern;
  for (int il = 0; il < L; ++il) {
    const bool full = IsFullLayer(s, il);
    pattern.push_back(!full);
    kv_heads.push_back(full ? s.n_head_kv_full : s.n_head_kv_swa);
  }
  w.SetInt32Array("gemma4.attention.head_count_kv", kv_heads);
  w.SetUint32("gemma4.attention.key_length", static_cast<uint32_t>(s.head_dim_full));
  w.SetUint32("gemma4.attention.value_length", static_cast<uint32_t>(s.head_dim_full));
  w.SetUint32("gemma4.attention.key_length_swa", static_cast<uint32_t>(s.head_dim_swa));
  w.SetUint32("gemma4.attention.value_length_swa", static_cast<uint32_t>(s.head_dim_swa));
  w.SetFloat32("gemma4.attention.layer_norm_rms_epsilon", 1e-6f);
  w.SetUint32("gemma4.attention.sliding_window", static_cast<uint32_t>(s.window));
  w.SetBoolArray("gemma4.attention.sliding_window_pattern", pattern);
  w.SetUint32("gemma4.attention.shared_kv_layers", static_cast<uint32_t>(s.shared_kv_layers));
  w.SetUint32("gemma4.embedding_length_per_layer_input", static_cast<uint32_t>(s.n_embd_per_layer));
  w.SetFloat32("gemma4.rope.freq_base", 1e6f);
  w.SetFloat32("gemma4.rope.freq_base_swa", 1e4f);
  w.SetUint32("gemma4.rope.dimension_count", static_cast<uint32_t>(s.head_dim_full));
  w.SetUint32("gemma4.rope.dimension_count_swa", static_cast<uint32_t>(s.head_dim_swa));
  w.SetFloat32("gemma4.final_logit_softcapping", 30.0f);
  if (s.n_expert > 0) {
    w.SetUint32("gemma4.expert_count", static_cast<uint32_t>(s.n_expert));
    w.SetUint32("gemma4.expert_used_count", static_cast<uint32_t>(s.n_expert_used));
    w.SetUint32("gemma4.expert_feed_forward_length", static_cast<uint32_t>(s.n_ff_exp));
  }
}

float DrawValue(const TensorPlan& t, Rng& rng, int64_t index) {
  switch (t.init) {
    case Init::kMatrix:
    case Init::kEmbedding: return rng.Normal() * t.stddev;
    case Init::kNorm: return static_cast<float>(0.75 + 0.5 * rng.Uniform());
    // Gemma 4 scores are q·k with scale 1 (spec (g)2): q/k norm weights near hd^-1/4 keep the
    // scores at unit variance, so attention is neither uniform nor a hard argmax.
    case Init::kQkNorm: return static_cast<float>((0.75 + 0.5 * rng.Uniform()) / std::sqrt(std::sqrt(t.ne[0])));
    case Init::kScale: return static_cast<float>(0.6 + 0.4 * rng.Uniform());
    case Init::kRopeFreqs: return index < t.ne[0] / 4 ? 1.0f : 1e30f;  // rotary fraction 0.25 (spec §d.4)
  }
  return 0;
}

// Streams one tensor: draws rows in chunks, converts them to the tensor's type, appends them.
Status WriteTensor(GgufWriter& w, const TensorPlan& t, Rng& rng) {
  const int64_t cols = t.ne[0];
  int64_t rows = 1;
  for (size_t i = 1; i < t.ne.size(); ++i) rows *= t.ne[i];
  const size_t row_bytes = *RowBytes(t.type, cols);
  const int64_t rows_per_chunk = std::max<int64_t>(1, (1 << 20) / cols);
  std::vector<float> values;
  std::vector<uint8_t> bytes;
  for (int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
    const int64_t n_rows = std::min(rows_per_chunk, rows - r0);
    values.resize(static_cast<size_t>(n_rows * cols));
    for (int64_t i = 0; i < n_rows * cols; ++i) values[static_cast<size_t>(i)] = DrawValue(t, rng, r0 * cols + i);
    bytes.resize(static_cast<size_t>(n_rows) * row_bytes);
    for (int64_t r = 0; r < n_rows; ++r) {
      QuantizeRow(t.type, values.data() + r * cols, bytes.data() + static_cast<size_t>(r) * row_bytes, cols);
    }
    HEARTH_RETURN_IF_ERROR(w.Append(bytes.data(), bytes.size()));
  }
  return Status::Ok();
}

// The preset's shape with the option overrides applied.
Result<Shape> ResolveShape(const TestModelOptions& o) {
  HEARTH_ASSIGN_OR_RETURN(Shape shape, PresetShape(o.preset));
  if (o.ctx) shape.ctx = *o.ctx;
  if (o.window) shape.window = *o.window;
  if (o.n_embd) shape.n_embd = *o.n_embd;
  if (o.n_ff) std::fill(shape.n_ff.begin(), shape.n_ff.end(), *o.n_ff);
  if (o.n_layer) {
    if (*o.n_layer <= shape.shared_kv_layers || *o.n_layer > 1024) {
      return InvalidArgument("--layers must be between " + std::to_string(shape.shared_kv_layers + 1) + " and 1024");
    }
    shape.n_ff.resize(static_cast<size_t>(*o.n_layer), shape.n_ff.back());
    shape.n_layer = *o.n_layer;
  }
  if (shape.ctx <= 0 || shape.window <= 0 || shape.n_embd <= 0 || shape.n_embd % 32 != 0) {
    return InvalidArgument("--ctx and --window must be positive, --embd a positive multiple of 32");
  }
  return shape;
}

}  // namespace

std::vector<std::string> TestModelPresets() {
  return {"e-tiny", "moe-tiny", "dense-tiny", "e2b", "e4b", "26b-a4b", "31b"};
}

Result<TestModelLayout> PlanTestModel(const TestModelOptions& o, int64_t n_vocab) {
  HEARTH_ASSIGN_OR_RETURN(Shape shape, ResolveShape(o));
  HEARTH_ASSIGN_OR_RETURN(FileType ft, ParseFileType(o.type));
  if (n_vocab <= 0) return InvalidArgument("n_vocab must be positive");
  TestModelLayout layout{.n_layer = shape.n_layer, .n_embd = shape.n_embd, .n_embd_per_layer = shape.n_embd_per_layer,
                         .sliding_window = shape.window, .n_ctx_train = shape.ctx, .n_expert = shape.n_expert,
                         .n_expert_used = shape.n_expert_used};
  for (TensorPlan& t : PlanTensors(shape, ft, n_vocab)) layout.tensors.push_back({std::move(t.name), t.ne, t.type});
  for (int il = 0; il < shape.n_layer; ++il) {
    const bool full = IsFullLayer(shape, il);
    const int width = full ? shape.n_head_kv_full * shape.head_dim_full : shape.n_head_kv_swa * shape.head_dim_swa;
    layout.kv_layers.push_back({.owns_kv = il < shape.n_layer - shape.shared_kv_layers, .sliding = !full, .width = width});
  }
  return layout;
}

Result<uint64_t> WriteTestModel(const TestModelOptions& o) {
  HEARTH_ASSIGN_OR_RETURN(Shape shape, ResolveShape(o));
  HEARTH_ASSIGN_OR_RETURN(FileType ft, ParseFileType(o.type));
  if (o.vocab_path.empty() && o.n_vocab <= 0) {
    return InvalidArgument("--vocab FILE is required (a GGUF with the tokenizer to copy)");
  }
  if (o.out_path.empty()) return InvalidArgument("--out FILE is required");

  GgufWriter w;
  WriteMetadata(w, shape, ft, o.preset);
  int64_t n_vocab = o.n_vocab;
  if (!o.vocab_path.empty()) {
    HEARTH_ASSIGN_OR_RETURN(GgufFile vocab, GgufFile::Open(o.vocab_path));
    const GgufValue* tokens = vocab.Find("tokenizer.ggml.tokens");
    if (tokens == nullptr || tokens->strings.empty()) {
      return InvalidArgument(o.vocab_path + ": has no tokenizer.ggml.tokens to copy");
    }
    for (const auto& [key, value] : vocab.metadata()) {
      if (key.rfind("tokenizer.", 0) == 0) w.CopyValue(key, value);
    }
    n_vocab = static_cast<int64_t>(tokens->strings.size());
  }
  const std::vector<TensorPlan> plan = PlanTensors(shape, ft, n_vocab);
  uint64_t total = 0;
  for (const TensorPlan& t : plan) {
    HEARTH_ASSIGN_OR_RETURN(size_t n, w.AddTensor(t.name, t.ne, t.type));
    total += n;
  }
  HEARTH_RETURN_IF_ERROR(w.Begin(o.out_path));
  Rng rng(o.seed);
  for (const TensorPlan& t : plan) HEARTH_RETURN_IF_ERROR(WriteTensor(w, t, rng));
  HEARTH_RETURN_IF_ERROR(w.Finish());
  return total;
}

}  // namespace hearth
