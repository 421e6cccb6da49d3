#include "runtime/file_checks.h"

#include "gguf/gguf_reader.h"
#include "model/gemma4/gemma4_model.h"

namespace hearth {

Status CheckModelFile(const std::string& path) {
  Result<std::unique_ptr<Gemma4Model>> model = Gemma4Model::Load(path);
  return model ? Status::Ok() : model.error();
}

Status CheckAdapterFile(const std::string& path) {
  Result<GgufFile> gguf = GgufFile::Open(path);
  return gguf ? Status::Ok() : gguf.error();
}

}  // namespace hearth
