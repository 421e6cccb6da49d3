// Binds the tensors of a Gemma 4 GGUF to the model (spec gemma4-text-model.md §c): matrices stay
// zero-copy views into the mapping; small vectors (norm weights, scales, rope factors) are
// converted to f32 once at load. Every shape and type is checked here, so the forward pass can
// trust them.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_reader.h"
#include "kernels/matmul.h"
#include "model/gemma4/gemma4_hparams.h"

namespace hearth {

// X matrices of identical shape stored back to back (a 3-D expert tensor [K, N, X]).
struct ExpertMatrices {
  MatrixView first;        // expert 0: N rows of K
  size_t expert_bytes = 0;  // N * row_bytes
  MatrixView Expert(int e) const {
    MatrixView m = first;
    m.data += static_cast<size_t>(e) * expert_bytes;
    return m;
  }
};

struct Gemma4LayerWeights {
  std::vector<float> attn_norm;            // [E]
  MatrixView attn_q{};                     // [Hq*hd rows, E]
  MatrixView attn_k{};                     // [Hkv*hd, E]; only when owns_kv
  MatrixView attn_v{};                     // [Hkv*hd, E]; data == nullptr: V is the raw K (K=V layers)
  std::vector<float> attn_q_norm;          // [hd]
  std::vector<float> attn_k_norm;          // [hd]; only when owns_kv
  MatrixView attn_output{};                // [E rows, Hq*hd]
  std::vector<float> post_attention_norm;  // [E]
  std::vector<float> ffn_norm;             // [E]
  MatrixView ffn_gate{}, ffn_up{};         // [F rows, E]
  MatrixView ffn_down{};                   // [E rows, F]
  std::vector<float> post_ffw_norm;        // [E]
  float layer_output_scale = 1.0f;

  // Mixture of experts (26B-A4B); empty router => dense layer.
  MatrixView ffn_gate_inp{};               // [X rows, E]
  std::vector<float> ffn_gate_inp_scale;   // [E]
  std::vector<float> pre_ffw_norm_2;       // [E]
  std::vector<float> post_ffw_norm_1;      // [E]
  std::vector<float> post_ffw_norm_2;      // [E]
  ExpertMatrices ffn_gate_up_exps;         // per expert [2*Fx rows, E]: gate rows then up rows
  ExpertMatrices ffn_gate_exps, ffn_up_exps;  // split form, per expert [Fx rows, E]
  bool experts_fused = true;
  ExpertMatrices ffn_down_exps;            // per expert [E rows, Fx]
  std::vector<float> ffn_down_exps_scale;  // [X], 1.0 when absent

  // Per-Layer Embeddings (E2B/E4B).
  MatrixView inp_gate{};                   // [P rows, E]
  MatrixView proj{};                       // [E rows, P]
  std::vector<float> post_norm;            // [E]

  bool is_moe() const { return ffn_gate_inp.data != nullptr; }
};

struct Gemma4Weights {
  MatrixView token_embd{};                 // [V rows, E]
  MatrixView output{};                     // [V rows, E]; == token_embd when tied
  std::vector<float> output_norm;          // [E]
  std::vector<float> rope_freqs;           // [hd_full/2] divisors of the FULL-layer RoPE
  MatrixView per_layer_token_embd{};       // [V rows, L*P]
  MatrixView per_layer_model_proj{};       // [L*P rows, E]
  std::vector<float> per_layer_proj_norm;  // [P]
  std::vector<Gemma4LayerWeights> layers;
};

Result<Gemma4Weights> BindGemma4Weights(const GgufFile& file, const Gemma4Hparams& hp);

}  // namespace hearth
