// Writes GGUF v3 files: metadata first, then tensor infos, then the tensor data streamed in
// declaration order (so multi-gigabyte models are never whole in memory). Used by
// `hearth make-test-model`, quantization and tests. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_reader.h"
#include "tensor/dtype.h"

namespace hearth {

class GgufWriter {
 public:
  GgufWriter() = default;
  ~GgufWriter();
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;

  // Metadata, kept in insertion order; setting a key again replaces its value.
  void SetString(std::string_view key, std::string_view value);
  void SetUint32(std::string_view key, uint32_t value);
  void SetInt32(std::string_view key, int32_t value);
  void SetUint64(std::string_view key, uint64_t value);
  void SetFloat32(std::string_view key, float value);
  void SetBool(std::string_view key, bool value);
  void SetStringArray(std::string_view key, const std::vector<std::string>& values);
  void SetInt32Array(std::string_view key, const std::vector<int32_t>& values);
  void SetFloat32Array(std::string_view key, const std::vector<float>& values);
  void SetBoolArray(std::string_view key, const std::vector<bool>& values);
  // Copies a value read by GgufReader, of any type (nested arrays included).
  void CopyValue(std::string_view key, const GgufValue& value);

  // Declares a tensor; `ne` in ggml order. Returns its byte size (or an error for bad shapes).
  Result<size_t> AddTensor(std::string_view name, const std::vector<int64_t>& ne, GgmlType type);

  // Opens `path` and writes the header, metadata and tensor infos.
  Status Begin(const std::string& path);
  // Appends bytes of the current tensor (tensors in AddTensor order; call as often as needed).
  Status Append(const void* data, size_t n);
  // Closes the file; fails if any tensor did not get exactly its declared bytes.
  Status Finish();

 private:
  struct Tensor {
    std::string name;
    std::vector<int64_t> ne;
    GgmlType type;
    size_t n_bytes;
    uint64_t offset;
  };
  void SetRaw(std::string_view key, std::vector<uint8_t> encoded);
  Status WriteBytes(const void* data, size_t n);
  Status Pad();

  std::vector<std::pair<std::string, std::vector<uint8_t>>> kv_;  // key -> encoded type + value
  std::vector<Tensor> tensors_;
  uint64_t data_size_ = 0;
  uint64_t alignment_ = 32;
  std::FILE* file_ = nullptr;
  std::string path_;
  size_t current_ = 0;          // tensor being written
  size_t written_in_current_ = 0;
  uint64_t position_ = 0;       // bytes written so far
};

}  // namespace hearth
