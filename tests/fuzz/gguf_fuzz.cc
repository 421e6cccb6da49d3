// libFuzzer target: GgufFile::Parse on arbitrary bytes, then every typed getter on every key and,
// when the file parses, Gemma4Model::FromFile (hparams + weight binding). Any crash, hang, UB or
// huge allocation is a finding: the reader's contract is "a bad file yields a Status".
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "gguf/gguf_reader.h"
#include "model/gemma4/gemma4_model.h"

namespace {

using hearth::GgufFile;
using hearth::GgufValue;
using hearth::GgufValueType;

bool IsIntegerType(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kUint16:
    case GgufValueType::kInt16: case GgufValueType::kUint32: case GgufValueType::kInt32:
    case GgufValueType::kUint64: case GgufValueType::kInt64:
      return true;
    default:
      return false;
  }
}

// Reads every value through the public accessors, as tools like `hearth show` do.
void TouchMetadata(const GgufFile& file) {
  for (const auto& [key, value] : file.metadata()) {
    (void)file.GetString(key);
    (void)file.GetUint(key);
    (void)file.GetFloat(key);
    (void)file.GetBool(key);
    (void)file.GetUintOr(key);
    (void)hearth::GgufValueTypeName(value.type);
    if (!value.is_array()) continue;
    // A few elements from both ends of scalar arrays.
    const uint64_t n = value.array_size;
    for (uint64_t k = 0; k < n && k < 4; ++k) {
      for (uint64_t index : {k, n - 1 - k}) {
        if (IsIntegerType(value.array_type)) (void)value.ArrayInt(index);
        if (value.array_type == GgufValueType::kFloat32 || value.array_type == GgufValueType::kFloat64) {
          (void)value.ArrayFloat(index);
        }
        if (value.array_type == GgufValueType::kBool) (void)value.ArrayBool(index);
      }
    }
  }
  for (const hearth::GgufTensorInfo& t : file.tensors()) {
    (void)t.n_elements();
    (void)t.n_rows();
    (void)t.ShapeString();
    (void)file.FindTensor(t.name);
    // The data view must lie inside the image.
    if (t.n_bytes > 0 && t.data != nullptr) {
      volatile uint8_t first = t.data[0];
      volatile uint8_t last = t.data[t.n_bytes - 1];
      (void)first;
      (void)last;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A page-aligned copy, as an mmap would be; libFuzzer's own buffer is only 16-byte aligned.
  const size_t alloc = ((size + 4095) / 4096 + 1) * 4096;
  std::unique_ptr<uint8_t, decltype(&std::free)> image(static_cast<uint8_t*>(std::aligned_alloc(4096, alloc)),
                                                       &std::free);
  if (size > 0) std::memcpy(image.get(), data, size);
  hearth::Result<GgufFile> file = GgufFile::Parse(image.get(), size);
  if (!file) return 0;
  TouchMetadata(*file);
  hearth::Result<std::unique_ptr<hearth::Gemma4Model>> model = hearth::Gemma4Model::FromFile(std::move(*file));
  if (model) {
    (void)(*model)->n_vocab();
    (void)(*model)->KvLayout();
  }
  return 0;
}
