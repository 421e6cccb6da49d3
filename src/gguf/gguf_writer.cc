#include "gguf/gguf_writer.h"

#include <cerrno>
#include <cstring>

namespace hearth {
namespace {

// Appends raw bytes with resize + memcpy (vector::insert of tiny spans trips a GCC 12
// -Wstringop-overflow false positive).
void PutBytes(std::vector<uint8_t>& out, const void* p, size_t n) {
  if (n == 0) return;
  const size_t at = out.size();
  out.resize(at + n);
  std::memcpy(out.data() + at, p, n);
}

template <typename T>
void Put(std::vector<uint8_t>& out, T v) {
  PutBytes(out, &v, sizeof(T));
}

void PutString(std::vector<uint8_t>& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  PutBytes(out, s.data(), s.size());
}

// Encodes the payload (without the leading type) of a value as read by the reader.
void EncodePayload(std::vector<uint8_t>& out, const GgufValue& v) {
  switch (v.type) {
    case GgufValueType::kString: PutString(out, v.str); return;
    case GgufValueType::kArray: {
      Put<uint32_t>(out, static_cast<uint32_t>(v.array_type));
      Put<uint64_t>(out, v.array_size);
      if (v.array_type == GgufValueType::kString) {
        for (std::string_view s : v.strings) PutString(out, s);
      } else if (v.array_type == GgufValueType::kArray) {
        for (const GgufValue& item : v.items) EncodePayload(out, item);
      } else {
        PutBytes(out, v.array_data, static_cast<size_t>(v.array_size) * GgufScalarSize(v.array_type));
      }
      return;
    }
    case GgufValueType::kFloat32: Put<float>(out, static_cast<float>(v.f)); return;
    case GgufValueType::kFloat64: Put<double>(out, v.f); return;
    case GgufValueType::kUint64: Put<uint64_t>(out, v.u); return;
    case GgufValueType::kBool: Put<uint8_t>(out, v.b ? 1 : 0); return;
    default: {
      // Integers: write the low bytes of the widened value (little-endian).
      const int64_t i = v.i;
      PutBytes(out, &i, GgufScalarSize(v.type));
      return;
    }
  }
}

template <typename T>
std::vector<uint8_t> Scalar(GgufValueType type, T value) {
  std::vector<uint8_t> out;
  Put<uint32_t>(out, static_cast<uint32_t>(type));
  Put<T>(out, value);
  return out;
}

template <typename T>
std::vector<uint8_t> ScalarArray(GgufValueType elem, const std::vector<T>& values) {
  std::vector<uint8_t> out;
  Put<uint32_t>(out, static_cast<uint32_t>(GgufValueType::kArray));
  Put<uint32_t>(out, static_cast<uint32_t>(elem));
  Put<uint64_t>(out, values.size());
  for (const T& v : values) Put<T>(out, v);
  return out;
}

}  // namespace

GgufWriter::~GgufWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void GgufWriter::SetRaw(std::string_view key, std::vector<uint8_t> encoded) {
  for (auto& [k, v] : kv_) {
    if (k == key) {
      v = std::move(encoded);
      return;
    }
  }
  kv_.emplace_back(std::string(key), std::move(encoded));
}

void GgufWriter::SetString(std::string_view key, std::string_view value) {
  std::vector<uint8_t> out;
  Put<uint32_t>(out, static_cast<uint32_t>(GgufValueType::kString));
  PutString(out, value);
  SetRaw(key, std::move(out));
}
void GgufWriter::SetUint32(std::string_view key, uint32_t value) {
  if (key == "general.alignment") alignment_ = value;
  SetRaw(key, Scalar(GgufValueType::kUint32, value));
}
void GgufWriter::SetInt32(std::string_view key, int32_t value) { SetRaw(key, Scalar(GgufValueType::kInt32, value)); }
void GgufWriter::SetUint64(std::string_view key, uint64_t value) { SetRaw(key, Scalar(GgufValueType::kUint64, value)); }
void GgufWriter::SetFloat32(std::string_view key, float value) { SetRaw(key, Scalar(GgufValueType::kFloat32, value)); }
void GgufWriter::SetBool(std::string_view key, bool value) {
  SetRaw(key, Scalar<uint8_t>(GgufValueType::kBool, value ? 1 : 0));
}

void GgufWriter::SetStringArray(std::string_view key, const std::vector<std::string>& values) {
  std::vector<uint8_t> out;
  Put<uint32_t>(out, static_cast<uint32_t>(GgufValueType::kArray));
  Put<uint32_t>(out, static_cast<uint32_t>(GgufValueType::kString));
  Put<uint64_t>(out, values.size());
  for (const std::string& s : values) PutString(out, s);
  SetRaw(key, std::move(out));
}
void GgufWriter::SetInt32Array(std::string_view key, const std::vector<int32_t>& values) {
  SetRaw(key, ScalarArray(GgufValueType::kInt32, values));
}
void GgufWriter::SetFloat32Array(std::string_view key, const std::vector<float>& values) {
  SetRaw(key, ScalarArray(GgufValueType::kFloat32, values));
}
void GgufWriter::SetBoolArray(std::string_view key, const std::vector<bool>& values) {
  std::vector<uint8_t> bytes(values.begin(), values.end());
  SetRaw(key, ScalarArray(GgufValueType::kBool, bytes));
}

void GgufWriter::CopyValue(std::string_view key, const GgufValue& value) {
  if (key == "general.alignment" && value.is_integer()) alignment_ = value.u;
  std::vector<uint8_t> out;
  Put<uint32_t>(out, static_cast<uint32_t>(value.type));
  EncodePayload(out, value);
  SetRaw(key, std::move(out));
}

Result<size_t> GgufWriter::AddTensor(std::string_view name, const std::vector<int64_t>& ne, GgmlType type) {
  if (ne.empty() || ne.size() > 4) return InvalidArgument("tensor " + std::string(name) + ": 1 to 4 dimensions");
  int64_t n = 1;
  for (int64_t d : ne) {
    if (d <= 0) return InvalidArgument("tensor " + std::string(name) + ": non-positive dimension");
    n *= d;
  }
  const std::optional<size_t> row = RowBytes(type, ne[0]);
  if (!row) {
    return InvalidArgument("tensor " + std::string(name) + ": row length " + std::to_string(ne[0]) +
                           " is not a multiple of the " + std::string(DtypeName(type)) + " block");
  }
  const size_t bytes = *row * static_cast<size_t>(n / ne[0]);
  tensors_.push_back({std::string(name), ne, type, bytes, data_size_});
  data_size_ += (bytes + alignment_ - 1) / alignment_ * alignment_;
  return bytes;
}

Status GgufWriter::WriteBytes(const void* data, size_t n) {
  if (n == 0) return Status::Ok();
  if (std::fwrite(data, 1, n, file_) != n) return IoError(path_ + ": write failed: " + std::strerror(errno));
  position_ += n;
  return Status::Ok();
}

Status GgufWriter::Pad() {
  static const uint8_t kZeros[64] = {};
  while (position_ % alignment_ != 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(64, alignment_ - position_ % alignment_));
    HEARTH_RETURN_IF_ERROR(WriteBytes(kZeros, n));
  }
  return Status::Ok();
}

Status GgufWriter::Begin(const std::string& path) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return IoError(path + ": cannot create: " + std::strerror(errno));
  std::vector<uint8_t> head;
  Put<uint32_t>(head, 0x46554747);
  Put<uint32_t>(head, 3);
  Put<uint64_t>(head, tensors_.size());
  Put<uint64_t>(head, kv_.size());
  for (const auto& [key, encoded] : kv_) {
    PutString(head, key);
    PutBytes(head, encoded.data(), encoded.size());
  }
  for (const Tensor& t : tensors_) {
    PutString(head, t.name);
    Put<uint32_t>(head, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) Put<uint64_t>(head, static_cast<uint64_t>(d));
    Put<uint32_t>(head, static_cast<uint32_t>(t.type));
    Put<uint64_t>(head, t.offset);
  }
  HEARTH_RETURN_IF_ERROR(WriteBytes(head.data(), head.size()));
  HEARTH_RETURN_IF_ERROR(Pad());
  current_ = 0;
  written_in_current_ = 0;
  return Status::Ok();
}

Status GgufWriter::Append(const void* data, size_t n) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (n > 0) {
    if (current_ >= tensors_.size()) return Internal(path_ + ": more tensor data than declared");
    const Tensor& t = tensors_[current_];
    const size_t take = std::min(n, t.n_bytes - written_in_current_);
    HEARTH_RETURN_IF_ERROR(WriteBytes(bytes, take));
    bytes += take;
    n -= take;
    written_in_current_ += take;
    if (written_in_current_ == t.n_bytes) {
      HEARTH_RETURN_IF_ERROR(Pad());
      ++current_;
      written_in_current_ = 0;
    }
  }
  return Status::Ok();
}

Status GgufWriter::Finish() {
  if (file_ == nullptr) return Internal("GgufWriter::Finish without Begin");
  if (current_ != tensors_.size()) {
    return Internal(path_ + ": tensor " + tensors_[current_].name + " did not receive all its data");
  }
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) return IoError(path_ + ": close failed: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace hearth
