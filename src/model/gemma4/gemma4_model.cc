#include "model/gemma4/gemma4_model.h"

#include <string>

#include "base/check.h"
#include "quant/quant_traits.h"

namespace hearth {

Result<std::unique_ptr<Gemma4Model>> Gemma4Model::Load(const std::string& path) {
  HEARTH_ASSIGN_OR_RETURN(GgufFile file, GgufFile::Open(path));
  return FromFile(std::move(file));
}

Result<std::unique_ptr<Gemma4Model>> Gemma4Model::FromFile(GgufFile file) {
  std::unique_ptr<Gemma4Model> m(new Gemma4Model(std::move(file)));
  const std::string& where = m->file_.path();
  Result<Gemma4Hparams> hp = LoadGemma4Hparams(m->file_);
  if (!hp) return hp.error().WithContext(where);
  m->hp_ = std::move(hp).value();
  Result<Gemma4Weights> w = BindGemma4Weights(m->file_, m->hp_);
  if (!w) return w.error().WithContext(where);
  m->w_ = std::move(w).value();
  m->hp_.n_vocab = static_cast<int>(m->w_.token_embd.rows);
  if (const GgufValue* tokens = m->file_.Find("tokenizer.ggml.tokens")) {
    if (tokens->strings.size() < static_cast<size_t>(m->hp_.n_vocab)) {
      return CorruptFile(where + ": vocabulary has " + std::to_string(tokens->strings.size()) +
                         " tokens but token_embd.weight has " + std::to_string(m->hp_.n_vocab) + " rows");
    }
  }
  return m;
}

std::vector<KvLayerSpec> Gemma4Model::KvLayout() const {
  std::vector<KvLayerSpec> specs;
  for (const Gemma4LayerParams& l : hp_.layers) {
    specs.push_back({.owns_kv = l.owns_kv, .sliding = l.kind == AttentionKind::kSliding,
                     .width = l.n_head_kv * l.head_dim});
  }
  return specs;
}

std::unique_ptr<KvCache> Gemma4Model::NewCache(int n_ctx, int max_batch, GgmlType type) const {
  // Attention reads one head's slice of a K/V row: each head must start on a block of the type.
  for (const Gemma4LayerParams& lp : hp_.layers) {
    HEARTH_CHECK(RowBytes(type, lp.head_dim).has_value(), "KV cache type %s cannot hold heads of %d values",
                 std::string(DtypeName(type)).c_str(), lp.head_dim);
  }
  return std::make_unique<KvCache>(KvLayout(), n_ctx, hp_.sliding_window, std::min(max_batch, n_ctx), type);
}

}  // namespace hearth
