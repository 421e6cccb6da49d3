// The Gemma 4 forward pass over a batch of rows, in the order of HF Gemma4TextDecoderLayer: attention (q/k/v norms, NEOX RoPE, sliding window, KV sharing),
// dense GeGLU or MoE FFN, Per-Layer-Embedding injection, layer scalar; then the tied LM head and
// the final soft-cap. A batch is either consecutive tokens of one sequence (prefill) or one token
// of each of several sequences (batched decode): every row carries its own cache and position,
// so the projections read each weight once per batch whatever the rows belong to.
// Section numbers refer to shared spec gemma4-text-model.md.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/ops.h"
#include "model/gemma4/gemma4_attention.h"
#include "model/gemma4/gemma4_model.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

// Shapes of one forward call.
struct BatchShape {
  int n_tokens;                  // T
  int n_embd;                    // E
  std::span<const RowSlot> rows;  // T entries
};

void DequantizeMatrixRow(const MatrixView& m, int64_t row, float* dst) {
  DequantizeRow(m.type, m.data + static_cast<size_t>(row) * m.row_bytes, dst, m.cols);
}

// Normalises each of the n_rows rows of x (length n) into y.
void RmsNormRows(const float* x, const float* w, float* y, int n_rows, int64_t n, float eps) {
  for (int r = 0; r < n_rows; ++r) RmsNorm(x + r * n, w, y + r * n, n, eps);
}

// §d.2: per-layer inputs ple[t][l*P + i] from the token-identity table and a projection of the
// scaled embedding x [T, E].
void PerLayerInputs(const Gemma4Hparams& hp, const Gemma4Weights& w, std::span<const int32_t> tokens,
                    const float* x, float* ple /* [T, L*P] */, ThreadPool& pool, KernelMode mode) {
  const int T = static_cast<int>(tokens.size());
  const int P = hp.n_embd_per_layer, L = hp.n_layer;
  const int64_t LP = static_cast<int64_t>(L) * P;
  MatMul(w.per_layer_model_proj, x, T, ple, pool, mode);
  const float proj_scale = 1.0f / std::sqrt(static_cast<float>(hp.n_embd));
  const float table_scale = std::sqrt(static_cast<float>(P));
  const float combine_scale = 1.0f / std::sqrt(2.0f);
  std::vector<float> row(static_cast<size_t>(LP));
  for (int t = 0; t < T; ++t) {
    float* c = ple + t * LP;
    for (int64_t i = 0; i < LP; ++i) c[i] *= proj_scale;
    for (int l = 0; l < L; ++l) RmsNorm(c + l * P, w.per_layer_proj_norm.data(), c + l * P, P, hp.rms_eps);
    DequantizeMatrixRow(w.per_layer_token_embd, tokens[t], row.data());
    for (int64_t i = 0; i < LP; ++i) c[i] = (c[i] + row[i] * table_scale) * combine_scale;
  }
}

// §d.3 steps 1-3: h += RMSNorm(Attention(RMSNorm(h)); post_attention_norm).
void AttentionBlock(const Gemma4Hparams& hp, const Gemma4Weights& w, int il, const BatchShape& b, float* h,
                    ThreadPool& pool, KernelMode mode) {
  const Gemma4LayerParams& lp = hp.layers[il];
  const Gemma4LayerWeights& lw = w.layers[il];
  const int T = b.n_tokens, E = b.n_embd, hd = lp.head_dim;
  const int q_width = lp.n_head * hd, kv_width = lp.n_head_kv * hd;
  const float* rope_div = lp.kind == AttentionKind::kFull ? w.rope_freqs.data() : nullptr;

  std::vector<float> a(static_cast<size_t>(T) * E);
  RmsNormRows(h, lw.attn_norm.data(), a.data(), T, E, hp.rms_eps);

  // §d.4: q = RoPE(RMSNorm(W_q a; q_norm)) per head.
  std::vector<float> q(static_cast<size_t>(T) * q_width);
  MatMul(lw.attn_q, a.data(), T, q.data(), pool, mode);
  // One rotation per token, shared by its query and key heads.
  std::vector<RopeRotation> rotations(static_cast<size_t>(T));
  for (int t = 0; t < T; ++t) {
    RopeAngles(lp.n_rot, b.rows[static_cast<size_t>(t)].pos, lp.rope_base, rope_div, &rotations[static_cast<size_t>(t)]);
    for (int hh = 0; hh < lp.n_head; ++hh) {
      float* qh = q.data() + (static_cast<int64_t>(t) * lp.n_head + hh) * hd;
      RmsNorm(qh, lw.attn_q_norm.data(), qh, hd, hp.rms_eps);
      RopeNeox(qh, lp.n_rot, rotations[static_cast<size_t>(t)]);
    }
  }

  // §d.5: layers with their own cache write K = RoPE(RMSNorm(k_raw; k_norm)) and
  // V = RMSNorm0(v_raw), where v_raw is the raw K projection on K=V layers.
  if (lp.owns_kv) {
    std::vector<float> k(static_cast<size_t>(T) * kv_width), v(static_cast<size_t>(T) * kv_width);
    MatMul(lw.attn_k, a.data(), T, k.data(), pool, mode);
    if (lw.attn_v.data != nullptr) {
      MatMul(lw.attn_v, a.data(), T, v.data(), pool, mode);
    } else {
      v = k;
    }
    for (int t = 0; t < T; ++t) {
      const auto [cache, pos] = b.rows[static_cast<size_t>(t)];
      float* k_row = k.data() + static_cast<int64_t>(t) * kv_width;
      float* v_row = v.data() + static_cast<int64_t>(t) * kv_width;
      for (int g = 0; g < lp.n_head_kv; ++g) {
        RmsNorm(k_row + g * hd, lw.attn_k_norm.data(), k_row + g * hd, hd, hp.rms_eps);
        RopeNeox(k_row + g * hd, lp.n_rot, rotations[static_cast<size_t>(t)]);
        RmsNorm(v_row + g * hd, nullptr, v_row + g * hd, hd, hp.rms_eps);
      }
      cache->StoreK(il, pos, k_row);  // converted to the cache's element type
      cache->StoreV(il, pos, v_row);
    }
  }

  std::vector<float> attn(static_cast<size_t>(T) * q_width);
  Attend(lp, lp.kv_source, hp.sliding_window, b.rows, q.data(), attn.data(), pool, mode);
  std::vector<float> o(static_cast<size_t>(T) * E);
  MatMul(lw.attn_output, attn.data(), T, o.data(), pool, mode);
  RmsNormRows(o.data(), lw.post_attention_norm.data(), o.data(), T, E, hp.rms_eps);
  for (size_t i = 0; i < o.size(); ++i) h[i] += o[i];
}

// GeGLU(m) = W_down (GELU(W_gate m) ⊙ W_up m) for T rows of m [T, E] into out [T, E].
void GeGlu(const MatrixView& gate, const MatrixView& up, const MatrixView& down, const float* m, int T, float* out,
           ThreadPool& pool, KernelMode mode) {
  const int64_t F = gate.rows;
  std::vector<float> g(static_cast<size_t>(T * F)), u(static_cast<size_t>(T * F));
  MatMul(gate, m, T, g.data(), pool, mode);
  MatMul(up, m, T, u.data(), pool, mode);
  GeluMul(g.data(), u.data(), g.data(), T * F);
  MatMul(down, g.data(), T, out, pool, mode);
}

// §d.11 steps 2-7: routed experts on r [T, E]; adds Σ w_e·scale_e·expert_e(m2) into moe [T, E].
// Tokens are grouped by expert so each selected expert's weights are read once per batch.
void RoutedExperts(const Gemma4Hparams& hp, const Gemma4LayerParams& lp, const Gemma4LayerWeights& lw,
                   const BatchShape& b, const float* r, float* moe, ThreadPool& pool, KernelMode mode) {
  const int T = b.n_tokens, E = b.n_embd, X = hp.n_expert, K = lp.n_expert_used;
  const int64_t Fx = lp.n_ff_exp;
  // Router input: weightless RMSNorm of r, times 1/√E and the learned scale vector.
  std::vector<float> z(static_cast<size_t>(T) * E);
  const float inv_sqrt_e = 1.0f / std::sqrt(static_cast<float>(E));
  for (int t = 0; t < T; ++t) {
    float* zt = z.data() + static_cast<int64_t>(t) * E;
    RmsNorm(r + static_cast<int64_t>(t) * E, nullptr, zt, E, hp.rms_eps);
    for (int i = 0; i < E; ++i) zt[i] = zt[i] * inv_sqrt_e * lw.ffn_gate_inp_scale[static_cast<size_t>(i)];
  }
  std::vector<float> probs(static_cast<size_t>(T) * X);
  MatMul(lw.ffn_gate_inp, z.data(), T, probs.data(), pool, mode);

  // Per expert: the tokens routed to it and their renormalised weights.
  std::vector<std::vector<std::pair<int, float>>> routed(static_cast<size_t>(X));
  std::vector<int> order(static_cast<size_t>(X));
  for (int t = 0; t < T; ++t) {
    float* p = probs.data() + static_cast<int64_t>(t) * X;
    Softmax(p, X);  // over all experts, before top-k (spec (g)12)
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + K, order.end(),
                      [p](int x, int y) { return p[x] > p[y] || (p[x] == p[y] && x < y); });
    float sum = 0;
    for (int k = 0; k < K; ++k) sum += p[order[static_cast<size_t>(k)]];
    sum = std::max(sum, 6.1035e-5f);  // llama.cpp's clamp; irrelevant unless all probs underflow
    for (int k = 0; k < K; ++k) {
      const int e = order[static_cast<size_t>(k)];
      routed[static_cast<size_t>(e)].emplace_back(t, p[e] / sum);
    }
  }

  std::vector<float> m2(static_cast<size_t>(T) * E);
  RmsNormRows(r, lw.pre_ffw_norm_2.data(), m2.data(), T, E, hp.rms_eps);
  std::vector<float> xe, gu, act, ye;
  for (int e = 0; e < X; ++e) {
    const auto& list = routed[static_cast<size_t>(e)];
    if (list.empty()) continue;
    const int n = static_cast<int>(list.size());
    xe.resize(static_cast<size_t>(n) * E);
    for (int i = 0; i < n; ++i) {
      std::copy_n(m2.data() + static_cast<int64_t>(list[static_cast<size_t>(i)].first) * E, E,
                  xe.data() + static_cast<int64_t>(i) * E);
    }
    act.resize(static_cast<size_t>(n * Fx));
    if (lw.experts_fused) {
      // Rows 0..Fx-1 of the fused matrix are the gate, Fx..2Fx-1 the up projection (spec (g)14).
      gu.resize(static_cast<size_t>(n * 2 * Fx));
      MatMul(lw.ffn_gate_up_exps.Expert(e), xe.data(), n, gu.data(), pool, mode);
      for (int i = 0; i < n; ++i) GeluMul(gu.data() + i * 2 * Fx, gu.data() + i * 2 * Fx + Fx, act.data() + i * Fx, Fx);
    } else {
      gu.resize(static_cast<size_t>(n * 2 * Fx));
      MatMul(lw.ffn_gate_exps.Expert(e), xe.data(), n, gu.data(), pool, mode);
      MatMul(lw.ffn_up_exps.Expert(e), xe.data(), n, gu.data() + n * Fx, pool, mode);
      GeluMul(gu.data(), gu.data() + n * Fx, act.data(), n * Fx);
    }
    ye.resize(static_cast<size_t>(n) * E);
    MatMul(lw.ffn_down_exps.Expert(e), act.data(), n, ye.data(), pool, mode);
    const float expert_scale = lw.ffn_down_exps_scale[static_cast<size_t>(e)];
    for (int i = 0; i < n; ++i) {
      const auto [t, weight] = list[static_cast<size_t>(i)];
      float* dst = moe + static_cast<int64_t>(t) * E;
      const float* src = ye.data() + static_cast<int64_t>(i) * E;
      for (int j = 0; j < E; ++j) dst[j] += weight * (src[j] * expert_scale);
    }
  }
}

// §d.10 / §d.11: f = FFN(r), already post-normed; then h = r + f.
void FfnBlock(const Gemma4Hparams& hp, const Gemma4Weights& w, int il, const BatchShape& b, float* h,
              ThreadPool& pool, KernelMode mode) {
  const Gemma4LayerParams& lp = hp.layers[il];
  const Gemma4LayerWeights& lw = w.layers[il];
  const int T = b.n_tokens, E = b.n_embd;
  const size_t n = static_cast<size_t>(T) * E;
  std::vector<float> m(n), f(n);
  RmsNormRows(h, lw.ffn_norm.data(), m.data(), T, E, hp.rms_eps);
  GeGlu(lw.ffn_gate, lw.ffn_up, lw.ffn_down, m.data(), T, f.data(), pool, mode);
  if (lw.is_moe()) {
    RmsNormRows(f.data(), lw.post_ffw_norm_1.data(), f.data(), T, E, hp.rms_eps);
    std::vector<float> moe(n, 0.0f);
    RoutedExperts(hp, lp, lw, b, h, moe.data(), pool, mode);
    RmsNormRows(moe.data(), lw.post_ffw_norm_2.data(), moe.data(), T, E, hp.rms_eps);
    for (size_t i = 0; i < n; ++i) f[i] += moe[i];
  }
  RmsNormRows(f.data(), lw.post_ffw_norm.data(), f.data(), T, E, hp.rms_eps);
  for (size_t i = 0; i < n; ++i) h[i] += f[i];
}

// §d.12: h += RMSNorm(proj · (GELU(inp_gate · h) ⊙ ple_l); post_norm).
void InjectPerLayerInput(const Gemma4Hparams& hp, const Gemma4LayerWeights& lw, int il, const BatchShape& b,
                         const float* ple, float* h, ThreadPool& pool, KernelMode mode) {
  const int T = b.n_tokens, E = b.n_embd, P = hp.n_embd_per_layer;
  const int64_t LP = static_cast<int64_t>(hp.n_layer) * P;
  std::vector<float> g(static_cast<size_t>(T) * P), u(static_cast<size_t>(T) * E);
  MatMul(lw.inp_gate, h, T, g.data(), pool, mode);
  for (int t = 0; t < T; ++t) {
    GeluMul(g.data() + t * P, ple + t * LP + static_cast<int64_t>(il) * P, g.data() + t * P, P);
  }
  MatMul(lw.proj, g.data(), T, u.data(), pool, mode);
  RmsNormRows(u.data(), lw.post_norm.data(), u.data(), T, E, hp.rms_eps);
  for (size_t i = 0; i < u.size(); ++i) h[i] += u[i];
}

// Runs the layers over the batch (rows already validated) and writes the logits of
// `output_rows`. Cache positions are not advanced here.
void RunBatch(const Gemma4Hparams& hp, const Gemma4Weights& w, std::span<const int32_t> tokens,
              std::span<const RowSlot> rows, std::span<const int> output_rows, float* logits, ThreadPool& pool,
              KernelMode mode) {
  const int T = static_cast<int>(tokens.size());
  const int E = hp.n_embd;
  const BatchShape b{.n_tokens = T, .n_embd = E, .rows = rows};

  // §d.1: x = token_embd[t] · √E (f32 constant, as llama.cpp).
  std::vector<float> h(static_cast<size_t>(T) * E);
  const float embd_scale = std::sqrt(static_cast<float>(E));
  for (int t = 0; t < T; ++t) {
    float* x = h.data() + static_cast<int64_t>(t) * E;
    DequantizeMatrixRow(w.token_embd, tokens[static_cast<size_t>(t)], x);
    for (int i = 0; i < E; ++i) x[i] *= embd_scale;
  }
  std::vector<float> ple;
  if (hp.n_embd_per_layer > 0) {
    ple.resize(static_cast<size_t>(T) * hp.n_layer * hp.n_embd_per_layer);
    PerLayerInputs(hp, w, tokens, h.data(), ple.data(), pool, mode);
  }

  for (int il = 0; il < hp.n_layer; ++il) {
    AttentionBlock(hp, w, il, b, h.data(), pool, mode);
    FfnBlock(hp, w, il, b, h.data(), pool, mode);
    if (hp.n_embd_per_layer > 0) InjectPerLayerInput(hp, w.layers[il], il, b, ple.data(), h.data(), pool, mode);
    // (g)11: the layer scalar multiplies the whole residual stream.
    const float s = w.layers[il].layer_output_scale;
    if (s != 1.0f) {
      for (float& x : h) x *= s;
    }
  }

  const int n_out = static_cast<int>(output_rows.size());
  if (n_out == 0) return;
  std::vector<float> y(static_cast<size_t>(n_out) * E);
  for (int i = 0; i < n_out; ++i) {
    RmsNorm(h.data() + static_cast<int64_t>(output_rows[static_cast<size_t>(i)]) * E, w.output_norm.data(),
            y.data() + static_cast<int64_t>(i) * E, E, hp.rms_eps);
  }
  MatMul(w.output, y.data(), n_out, logits, pool, mode);
  SoftCap(logits, static_cast<int64_t>(n_out) * hp.n_vocab, hp.final_logit_softcap);
}

Status CheckTokens(std::span<const int32_t> tokens, int n_vocab) {
  for (int32_t tok : tokens) {
    if (tok < 0 || tok >= n_vocab) {
      return InvalidArgument("token id " + std::to_string(tok) + " is outside the vocabulary (0.." +
                             std::to_string(n_vocab - 1) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Gemma4Model::Forward(std::span<const int32_t> tokens, KvCache& cache, std::span<const int> output_rows,
                            float* logits, ThreadPool& pool, KernelMode mode) const {
  const int T = static_cast<int>(tokens.size());
  if (T == 0) return InvalidArgument("empty batch");
  if (T > cache.max_batch()) {
    return InvalidArgument("batch of " + std::to_string(T) + " tokens exceeds the cache's max batch " +
                           std::to_string(cache.max_batch()));
  }
  if (cache.n_past() + T > cache.n_ctx()) {
    return OutOfRange("context full: " + std::to_string(cache.n_past()) + " + " + std::to_string(T) +
                      " tokens exceed the context of " + std::to_string(cache.n_ctx()));
  }
  HEARTH_RETURN_IF_ERROR(CheckTokens(tokens, hp_.n_vocab));
  for (size_t i = 0; i < output_rows.size(); ++i) {
    if (output_rows[i] < 0 || output_rows[i] >= T || (i > 0 && output_rows[i] <= output_rows[i - 1])) {
      return InvalidArgument("output rows must be ascending batch indices");
    }
  }
  std::vector<RowSlot> rows(static_cast<size_t>(T));
  for (int t = 0; t < T; ++t) rows[static_cast<size_t>(t)] = {&cache, cache.n_past() + t};
  RunBatch(hp_, w_, tokens, rows, output_rows, logits, pool, mode);
  cache.set_n_past(cache.n_past() + T);
  return Status::Ok();
}

Status Gemma4Model::ForwardDecodeBatch(std::span<const int32_t> tokens, std::span<KvCache* const> caches,
                                       float* logits, ThreadPool& pool, KernelMode mode) const {
  const size_t n = tokens.size();
  if (n == 0) return InvalidArgument("empty batch");
  if (caches.size() != n) return InvalidArgument("decode batch needs one cache per token");
  HEARTH_RETURN_IF_ERROR(CheckTokens(tokens, hp_.n_vocab));
  std::vector<RowSlot> rows(n);
  std::vector<int> output_rows(n);
  for (size_t i = 0; i < n; ++i) {
    KvCache* c = caches[i];
    if (c == nullptr) return InvalidArgument("null cache in decode batch");
    for (size_t j = 0; j < i; ++j) {
      if (caches[j] == c) return InvalidArgument("a cache appears twice in one decode batch");
    }
    if (c->n_past() + 1 > c->n_ctx()) {
      return OutOfRange("context full: sequence " + std::to_string(i) + " holds " + std::to_string(c->n_past()) +
                        " of " + std::to_string(c->n_ctx()) + " tokens");
    }
    rows[i] = {c, c->n_past()};
    output_rows[i] = static_cast<int>(i);
  }
  RunBatch(hp_, w_, tokens, rows, output_rows, logits, pool, mode);
  for (KvCache* c : caches) c->set_n_past(c->n_past() + 1);
  return Status::Ok();
}

}  // namespace hearth
