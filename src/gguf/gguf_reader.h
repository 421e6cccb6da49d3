// Reads GGUF v2/v3 files: header, metadata key/values, tensor infos, and zero-copy views of the
// tensor data inside a read-only memory mapping. The file is untrusted: every count, length and
// offset is bounded by the file size and overflow-checked; a bad file yields a Status that names
// the key or tensor at fault, never a crash, hang or huge allocation.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/mmap_file.h"
#include "base/status.h"
#include "tensor/dtype.h"

namespace hearth {

// GGUF metadata value types (numeric ids are the file format).
enum class GgufValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

std::string_view GgufValueTypeName(GgufValueType type);
// Bytes of one scalar of `type`; 0 for strings and arrays.
size_t GgufScalarSize(GgufValueType type);

// One metadata value. Strings point into the mapping (zero-copy). Arrays of scalars keep a
// pointer to their packed little-endian elements; arrays of strings or arrays keep parsed items.
struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  // Scalars, widened: integers in `i` (uint64 values above INT64_MAX stay bit-identical in `u`).
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string_view str;
  // Arrays.
  GgufValueType array_type = GgufValueType::kUint8;
  uint64_t array_size = 0;
  const uint8_t* array_data = nullptr;   // packed scalar elements
  std::vector<std::string_view> strings;  // when array_type == kString
  std::vector<GgufValue> items;           // when array_type == kArray (nested arrays)

  bool is_array() const { return type == GgufValueType::kArray; }
  bool is_integer() const;
  bool is_float() const { return type == GgufValueType::kFloat32 || type == GgufValueType::kFloat64; }
  // Element `index` of a scalar array, widened (caller checks index < array_size).
  int64_t ArrayInt(uint64_t index) const;
  double ArrayFloat(uint64_t index) const;
  bool ArrayBool(uint64_t index) const;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // ggml order: ne[0] is the contiguous (row) dimension
  GgmlType type = GgmlType::kF32;
  uint64_t offset = 0;       // relative to the start of the data section
  const uint8_t* data = nullptr;
  size_t n_bytes = 0;

  int64_t n_elements() const;
  int64_t n_rows() const { return ne.empty() ? 1 : n_elements() / ne[0]; }
  std::string ShapeString() const;  // "[2560, 2048]"
};

class GgufFile {
 public:
  static Result<GgufFile> Open(const std::string& path);
  // Parses an in-memory image (used by fuzzers and tests); `bytes` must outlive the result.
  static Result<GgufFile> Parse(const uint8_t* bytes, size_t size, std::string name = "<memory>");

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::string& path() const { return path_; }
  size_t file_size() const { return size_; }
  uint64_t data_offset() const { return data_offset_; }

  // Keys in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* Find(std::string_view key) const;
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* FindTensor(std::string_view name) const;

  // Typed getters that name the key in their error ("key gemma4.block_count: expected an
  // unsigned integer, found string").
  Result<std::string_view> GetString(std::string_view key) const;
  Result<uint64_t> GetUint(std::string_view key) const;
  Result<double> GetFloat(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  std::optional<uint64_t> GetUintOr(std::string_view key) const;

 private:
  GgufFile() = default;
  Status ParseAll(const uint8_t* bytes, size_t size);

  std::unique_ptr<MappedFile> mapping_;  // null when parsed from memory
  std::string path_;
  size_t size_ = 0;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace hearth
