#include "model/gemma4/gemma4_weights.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>

#include "quant/quant_traits.h"

namespace hearth {
namespace {

std::string ShapeOf(const std::vector<int64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

// Looks a tensor up under its GGUF name or one of the aliases other converters use (spec §c.3).
class Binder {
 public:
  Binder(const GgufFile& f, std::string prefix) : f_(f), prefix_(std::move(prefix)) {}

  const GgufTensorInfo* Find(std::initializer_list<const char*> names) const {
    for (const char* n : names) {
      if (const GgufTensorInfo* t = f_.FindTensor(prefix_ + n)) return t;
    }
    return nullptr;
  }

  Status CheckShape(const GgufTensorInfo& t, const std::vector<int64_t>& ne) const {
    if (t.ne != ne) {
      return CorruptFile("tensor " + t.name + ": shape " + t.ShapeString() + " != expected " + ShapeOf(ne));
    }
    return CheckComputable(t.type, t.name);
  }

  Result<MatrixView> Matrix(std::initializer_list<const char*> names, int64_t cols, int64_t rows, bool required = true) const {
    const GgufTensorInfo* t = Find(names);
    if (t == nullptr) {
      if (required) return NotFound("tensor " + prefix_ + *names.begin() + " is missing");
      return MatrixView{};
    }
    HEARTH_RETURN_IF_ERROR(CheckShape(*t, {cols, rows}));
    MatrixView m = View(*t, cols, rows);
    HEARTH_RETURN_IF_ERROR(CheckSampledRows(*t, m, rows));
    return m;
  }

  Result<ExpertMatrices> Experts(std::initializer_list<const char*> names, int64_t cols, int64_t rows, int64_t n_expert,
                                 bool required) const {
    const GgufTensorInfo* t = Find(names);
    if (t == nullptr) {
      if (required) return NotFound("tensor " + prefix_ + *names.begin() + " is missing");
      return ExpertMatrices{};
    }
    HEARTH_RETURN_IF_ERROR(CheckShape(*t, {cols, rows, n_expert}));
    ExpertMatrices e;
    e.first = View(*t, cols, rows);
    e.expert_bytes = e.first.row_bytes * static_cast<size_t>(rows);
    HEARTH_RETURN_IF_ERROR(CheckSampledRows(*t, e.first, rows * n_expert));
    return e;
  }

  // A small tensor converted to f32 (norm weights, scales). `fill` is used when it is absent
  // and not required.
  Result<std::vector<float>> Vector(std::initializer_list<const char*> names, int64_t n, bool required = true,
                                    float fill = 1.0f) const {
    const GgufTensorInfo* t = Find(names);
    if (t == nullptr) {
      if (required) return NotFound("tensor " + prefix_ + *names.begin() + " is missing");
      return std::vector<float>(static_cast<size_t>(n), fill);
    }
    HEARTH_RETURN_IF_ERROR(CheckShape(*t, {n}));
    std::vector<float> out(static_cast<size_t>(n));
    DequantizeRow(t->type, t->data, out.data(), n);
    for (float v : out) {
      if (!std::isfinite(v)) return CorruptFile("tensor " + t->name + " contains NaN or Inf");
    }
    return out;
  }

 private:
  // Reading every weight of a multi-gigabyte file at load would cost seconds to minutes, so
  // large tensors are sampled: kSampledRows rows spread evenly (first and last included) are
  // dequantized and must be finite. That catches a file of NaNs, a bad block scale in the
  // sampled rows and garbage in a whole tensor; a single bad block elsewhere shows up only as
  // NaN logits at run time (SECURITY.md).
  static constexpr int64_t kSampledRows = 16;

  static Status CheckSampledRows(const GgufTensorInfo& t, const MatrixView& m, int64_t total_rows) {
    if (total_rows <= 0 || m.cols <= 0) return Status::Ok();
    std::vector<float> row(static_cast<size_t>(m.cols));
    const int64_t n = std::min(total_rows, kSampledRows);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = n == 1 ? 0 : i * (total_rows - 1) / (n - 1);
      DequantizeRow(t.type, m.data + static_cast<size_t>(r) * m.row_bytes, row.data(), m.cols);
      for (float v : row) {
        if (!std::isfinite(v)) return CorruptFile("tensor " + t.name + ": row " + std::to_string(r) + " contains NaN or Inf");
      }
    }
    return Status::Ok();
  }

  static MatrixView View(const GgufTensorInfo& t, int64_t cols, int64_t rows) {
    return MatrixView{t.type, t.data, cols, rows, *RowBytes(t.type, cols)};
  }

  const GgufFile& f_;
  std::string prefix_;
};

Status BindLayer(const GgufFile& f, const Gemma4Hparams& hp, int il, Gemma4LayerWeights& w) {
  const Gemma4LayerParams& lp = hp.layers[il];
  const Binder b(f, "blk." + std::to_string(il) + ".");
  const int64_t E = hp.n_embd, hd = lp.head_dim;
  const int64_t q_width = static_cast<int64_t>(lp.n_head) * hd, kv_width = static_cast<int64_t>(lp.n_head_kv) * hd;
  HEARTH_ASSIGN_OR_RETURN(w.attn_norm, b.Vector({"attn_norm.weight"}, E));
  if (b.Find({"attn_q.weight"}) == nullptr && b.Find({"attn_qkv.weight"}) != nullptr) {
    return Unsupported("tensor blk." + std::to_string(il) + ".attn_qkv.weight: fused QKV projections are not supported yet");
  }
  HEARTH_ASSIGN_OR_RETURN(w.attn_q, b.Matrix({"attn_q.weight"}, E, q_width));
  HEARTH_ASSIGN_OR_RETURN(w.attn_q_norm, b.Vector({"attn_q_norm.weight"}, hd));
  if (lp.owns_kv) {
    HEARTH_ASSIGN_OR_RETURN(w.attn_k, b.Matrix({"attn_k.weight"}, E, kv_width));
    HEARTH_ASSIGN_OR_RETURN(w.attn_v, b.Matrix({"attn_v.weight"}, E, kv_width, /*required=*/false));
    HEARTH_ASSIGN_OR_RETURN(w.attn_k_norm, b.Vector({"attn_k_norm.weight"}, hd));
  }
  HEARTH_ASSIGN_OR_RETURN(w.attn_output, b.Matrix({"attn_output.weight"}, q_width, E));
  HEARTH_ASSIGN_OR_RETURN(w.post_attention_norm, b.Vector({"post_attention_norm.weight", "attn_post_norm.weight"}, E));
  HEARTH_ASSIGN_OR_RETURN(w.ffn_norm, b.Vector({"ffn_norm.weight", "ffn_pre_norm.weight"}, E));
  HEARTH_ASSIGN_OR_RETURN(w.ffn_gate, b.Matrix({"ffn_gate.weight"}, E, lp.n_ff));
  HEARTH_ASSIGN_OR_RETURN(w.ffn_up, b.Matrix({"ffn_up.weight"}, E, lp.n_ff));
  HEARTH_ASSIGN_OR_RETURN(w.ffn_down, b.Matrix({"ffn_down.weight"}, lp.n_ff, E));
  HEARTH_ASSIGN_OR_RETURN(w.post_ffw_norm, b.Vector({"post_ffw_norm.weight", "ffn_post_norm.weight"}, E));
  HEARTH_ASSIGN_OR_RETURN(std::vector<float> scale,
                          b.Vector({"layer_output_scale.weight", "layer_scalar.weight", "layer_scalar"}, 1, false));
  w.layer_output_scale = scale[0];

  if (hp.n_expert > 0 && b.Find({"ffn_gate_inp.weight"}) != nullptr) {
    const int64_t X = hp.n_expert, Fx = lp.n_ff_exp;
    if (Fx <= 0) return CorruptFile("layer " + std::to_string(il) + ": expert_feed_forward_length is missing or 0");
    HEARTH_ASSIGN_OR_RETURN(w.ffn_gate_inp, b.Matrix({"ffn_gate_inp.weight"}, E, X));
    HEARTH_ASSIGN_OR_RETURN(w.ffn_gate_inp_scale, b.Vector({"ffn_gate_inp.scale"}, E));
    HEARTH_ASSIGN_OR_RETURN(w.pre_ffw_norm_2, b.Vector({"pre_ffw_norm_2.weight", "ffn_pre_norm_2.weight"}, E));
    HEARTH_ASSIGN_OR_RETURN(w.post_ffw_norm_1, b.Vector({"post_ffw_norm_1.weight", "ffn_post_norm_1.weight"}, E));
    HEARTH_ASSIGN_OR_RETURN(w.post_ffw_norm_2, b.Vector({"post_ffw_norm_2.weight", "ffn_post_norm_2.weight"}, E));
    w.experts_fused = b.Find({"ffn_gate_up_exps.weight"}) != nullptr;
    if (w.experts_fused) {
      HEARTH_ASSIGN_OR_RETURN(w.ffn_gate_up_exps, b.Experts({"ffn_gate_up_exps.weight"}, E, 2 * Fx, X, true));
    } else {
      HEARTH_ASSIGN_OR_RETURN(w.ffn_gate_exps, b.Experts({"ffn_gate_exps.weight"}, E, Fx, X, true));
      HEARTH_ASSIGN_OR_RETURN(w.ffn_up_exps, b.Experts({"ffn_up_exps.weight"}, E, Fx, X, true));
    }
    HEARTH_ASSIGN_OR_RETURN(w.ffn_down_exps, b.Experts({"ffn_down_exps.weight"}, Fx, E, X, true));
    HEARTH_ASSIGN_OR_RETURN(w.ffn_down_exps_scale,
                            b.Vector({"ffn_down_exps.scale", "ffn_gate_inp.per_expert_scale"}, X, false));
  }

  if (hp.n_embd_per_layer > 0) {
    const int64_t P = hp.n_embd_per_layer;
    HEARTH_ASSIGN_OR_RETURN(w.inp_gate, b.Matrix({"inp_gate.weight"}, E, P));
    HEARTH_ASSIGN_OR_RETURN(w.proj, b.Matrix({"proj.weight"}, P, E));
    HEARTH_ASSIGN_OR_RETURN(w.post_norm, b.Vector({"post_norm.weight"}, E));
  }
  return Status::Ok();
}

}  // namespace

Result<Gemma4Weights> BindGemma4Weights(const GgufFile& f, const Gemma4Hparams& hp) {
  Gemma4Weights w;
  const Binder b(f, "");
  const int64_t E = hp.n_embd;
  const GgufTensorInfo* embd = b.Find({"token_embd.weight"});
  if (embd == nullptr) return NotFound("tensor token_embd.weight is missing");
  if (embd->ne.size() != 2 || embd->ne[0] != E) {
    return CorruptFile("tensor token_embd.weight: shape " + embd->ShapeString() + " != expected [" + std::to_string(E) + ", n_vocab]");
  }
  const int64_t V = embd->ne[1];
  HEARTH_ASSIGN_OR_RETURN(w.token_embd, b.Matrix({"token_embd.weight"}, E, V));
  HEARTH_ASSIGN_OR_RETURN(w.output, b.Matrix({"output.weight"}, E, V, /*required=*/false));
  if (w.output.data == nullptr) w.output = w.token_embd;  // tied LM head (all official files)
  HEARTH_ASSIGN_OR_RETURN(w.output_norm, b.Vector({"output_norm.weight"}, E));

  int head_dim_full = 0;
  for (const Gemma4LayerParams& lp : hp.layers) {
    if (lp.kind == AttentionKind::kFull) head_dim_full = lp.head_dim;
  }
  if (head_dim_full > 0) {
    const int64_t n_pairs = head_dim_full / 2;
    if (b.Find({"rope_freqs.weight"}) != nullptr) {
      HEARTH_ASSIGN_OR_RETURN(w.rope_freqs, b.Vector({"rope_freqs.weight"}, n_pairs));
    } else {
      // Spec §d.4: synthesize the proportional factors (rotary fraction 0.25): the first
      // 0.25*hd/2 pairs rotate, the rest get a 1e30 divisor (no rotation).
      w.rope_freqs.assign(static_cast<size_t>(n_pairs), 1e30f);
      for (int64_t i = 0; i < head_dim_full / 8; ++i) w.rope_freqs[static_cast<size_t>(i)] = 1.0f;
    }
  }

  if (hp.n_embd_per_layer > 0) {
    const int64_t LP = static_cast<int64_t>(hp.n_layer) * hp.n_embd_per_layer;
    HEARTH_ASSIGN_OR_RETURN(w.per_layer_token_embd, b.Matrix({"per_layer_token_embd.weight"}, LP, V));
    HEARTH_ASSIGN_OR_RETURN(w.per_layer_model_proj, b.Matrix({"per_layer_model_proj.weight"}, E, LP));
    HEARTH_ASSIGN_OR_RETURN(w.per_layer_proj_norm, b.Vector({"per_layer_proj_norm.weight"}, hp.n_embd_per_layer));
  }

  w.layers.resize(static_cast<size_t>(hp.n_layer));
  for (int il = 0; il < hp.n_layer; ++il) HEARTH_RETURN_IF_ERROR(BindLayer(f, hp, il, w.layers[il]));
  return w;
}

}  // namespace hearth
