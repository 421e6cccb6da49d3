#include "runtime/model_bundle.h"

#include <chrono>

namespace hearth {

Result<ModelBundle> LoadModelBundle(const std::string& path) {
  const auto t0 = std::chrono::steady_clock::now();
  ModelBundle b;
  HEARTH_ASSIGN_OR_RETURN(b.model, Gemma4Model::Load(path));
  const GgufFile& f = b.model->file();
  Result<Tokenizer> tok = Tokenizer::FromGguf(f);
  if (!tok) return tok.error().WithContext(path);
  b.tokenizer = std::make_unique<Tokenizer>(std::move(tok).value());
  if (b.tokenizer->n_vocab() < b.model->n_vocab()) {
    return CorruptFile(path + ": the vocabulary (" + std::to_string(b.tokenizer->n_vocab()) +
                       " tokens) is smaller than the embedding table (" + std::to_string(b.model->n_vocab()) + " rows)");
  }
  if (Result<std::string_view> t = f.GetString("tokenizer.chat_template")) b.chat_template = std::string(*t);
  // Publishers' recommended defaults (HF GGUFs of Gemma 4 carry temp/top_k/top_p here).
  if (Result<double> v = f.GetFloat("general.sampling.temp")) b.defaults.temperature = static_cast<float>(*v);
  if (Result<uint64_t> v = f.GetUint("general.sampling.top_k")) b.defaults.top_k = static_cast<int>(*v);
  if (Result<double> v = f.GetFloat("general.sampling.top_p")) b.defaults.top_p = static_cast<float>(*v);
  if (Result<double> v = f.GetFloat("general.sampling.min_p")) b.defaults.min_p = static_cast<float>(*v);
  if (Status st = b.defaults.Validate(); !st.ok()) return st.WithContext(path + ": general.sampling");
  b.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return b;
}

}  // namespace hearth
