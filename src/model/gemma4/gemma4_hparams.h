// Gemma 4 hyper-parameters, read from the `gemma4.*` GGUF keys (spec gemma4-text-model.md §b).
// Everything that differs between E2B, E4B, 26B-A4B and 31B is data here, so a new size needs no
// code. Per-layer values are expanded to one entry per layer at load time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_reader.h"

namespace hearth {

enum class AttentionKind { kSliding, kFull };

struct Gemma4LayerParams {
  AttentionKind kind = AttentionKind::kSliding;
  int n_head = 0;       // Hq
  int n_head_kv = 0;    // Hkv(l)
  int head_dim = 0;     // hd(l): key_length_swa or key_length
  int n_rot = 0;        // rotary dims (= head_dim in released models)
  float rope_base = 0;  // freq_base_swa or freq_base
  int n_ff = 0;         // dense FFN width F(l)
  int n_expert_used = 0;
  int n_ff_exp = 0;
  bool owns_kv = true;  // false for the trailing shared-KV layers
  int kv_source = 0;    // layer whose cache this layer reads (itself, or its donor)
};

struct Gemma4Hparams {
  int n_layer = 0;
  int n_embd = 0;            // E
  int n_ctx_train = 0;
  int n_vocab = 0;           // rows of token_embd
  int n_embd_per_layer = 0;  // P; 0 disables Per-Layer Embeddings
  int sliding_window = 0;    // W
  int shared_kv_layers = 0;
  int n_expert = 0;
  float rms_eps = 1e-6f;
  float final_logit_softcap = 30.0f;  // llama.cpp's default when the key is absent
  std::vector<Gemma4LayerParams> layers;

  int n_full_layers() const;
  // Human-readable size guess from the layer count (35/42/30/60), "custom" otherwise.
  std::string VariantName() const;
  // Largest KV row (n_head_kv * head_dim) over cache-owning layers of `kind`.
  int MaxKvWidth(AttentionKind kind) const;
};

// Reads and validates every key; errors name the key and the bad value.
Result<Gemma4Hparams> LoadGemma4Hparams(const GgufFile& file);

}  // namespace hearth
