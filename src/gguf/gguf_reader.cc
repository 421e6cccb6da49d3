#include "gguf/gguf_reader.h"

#include <cstring>
#include <limits>

namespace hearth {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr int kMaxArrayDepth = 8;
constexpr int kMaxDims = 4;

}  // namespace

size_t GgufScalarSize(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16:
    case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64:
    case GgufValueType::kInt64:
    case GgufValueType::kFloat64: return 8;
    case GgufValueType::kString:
    case GgufValueType::kArray: return 0;
  }
  return 0;
}

namespace {

bool IsKnownType(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::kFloat64); }

// Bounded little-endian cursor over the file image; every read checks the remaining length.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  template <typename T>
  bool Read(T* out) {
    if (remaining() < sizeof(T)) return false;
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool ReadString(std::string_view* out) {
    uint64_t len;
    if (!Read(&len) || len > remaining()) return false;
    *out = std::string_view(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }
  bool Skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  const uint8_t* here() const { return data_ + pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

Status Truncated(std::string_view what) {
  return CorruptFile(std::string(what) + ": file is truncated");
}

template <typename T>
int64_t LoadAs(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return static_cast<int64_t>(v);
}

Status ReadValue(Cursor& cur, GgufValueType type, const std::string& key, int depth, GgufValue* out);

Status ReadArray(Cursor& cur, const std::string& key, int depth, GgufValue* out) {
  if (depth >= kMaxArrayDepth) return CorruptFile("key " + key + ": arrays nested deeper than 8");
  uint32_t elem_type;
  uint64_t count;
  if (!cur.Read(&elem_type) || !cur.Read(&count)) return Truncated("key " + key);
  if (!IsKnownType(elem_type)) {
    return CorruptFile("key " + key + ": unknown array element type " + std::to_string(elem_type));
  }
  out->array_type = static_cast<GgufValueType>(elem_type);
  out->array_size = count;
  const size_t elem = GgufScalarSize(out->array_type);
  if (elem > 0) {
    if (count > cur.remaining() / elem) {
      return CorruptFile("key " + key + ": array of " + std::to_string(count) +
                         " elements runs past the end of the file");
    }
    out->array_data = cur.here();
    (void)cur.Skip(static_cast<size_t>(count) * elem);
    return Status::Ok();
  }
  // Strings take at least their 8-byte length, nested arrays at least 12 bytes of header:
  // bounding the count by what is left stops huge reservations from a forged count.
  const size_t min_item = out->array_type == GgufValueType::kString ? 8 : 12;
  if (count > cur.remaining() / min_item) {
    return CorruptFile("key " + key + ": array of " + std::to_string(count) +
                       " items runs past the end of the file");
  }
  if (out->array_type == GgufValueType::kString) {
    out->strings.reserve(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view s;
      if (!cur.ReadString(&s)) return Truncated("key " + key + " item " + std::to_string(i));
      out->strings.push_back(s);
    }
  } else {
    out->items.resize(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) {
      HEARTH_RETURN_IF_ERROR(ReadValue(cur, GgufValueType::kArray, key, depth + 1, &out->items[i]));
    }
  }
  return Status::Ok();
}

Status ReadValue(Cursor& cur, GgufValueType type, const std::string& key, int depth, GgufValue* out) {
  out->type = type;
  if (type == GgufValueType::kString) {
    if (!cur.ReadString(&out->str)) return Truncated("key " + key);
    return Status::Ok();
  }
  if (type == GgufValueType::kArray) return ReadArray(cur, key, depth, out);
  const size_t n = GgufScalarSize(type);
  if (cur.remaining() < n) return Truncated("key " + key);
  const uint8_t* p = cur.here();
  (void)cur.Skip(n);
  switch (type) {
    case GgufValueType::kUint8: out->i = LoadAs<uint8_t>(p); break;
    case GgufValueType::kInt8: out->i = LoadAs<int8_t>(p); break;
    case GgufValueType::kUint16: out->i = LoadAs<uint16_t>(p); break;
    case GgufValueType::kInt16: out->i = LoadAs<int16_t>(p); break;
    case GgufValueType::kUint32: out->i = LoadAs<uint32_t>(p); break;
    case GgufValueType::kInt32: out->i = LoadAs<int32_t>(p); break;
    case GgufValueType::kInt64: out->i = LoadAs<int64_t>(p); break;
    case GgufValueType::kUint64: {
      std::memcpy(&out->u, p, 8);
      out->i = static_cast<int64_t>(out->u);
      break;
    }
    case GgufValueType::kBool: {
      if (*p > 1) return CorruptFile("key " + key + ": bool value " + std::to_string(*p) + " is not 0 or 1");
      out->b = *p == 1;
      out->i = out->b;
      break;
    }
    case GgufValueType::kFloat32: {
      float f;
      std::memcpy(&f, p, 4);
      out->f = f;
      break;
    }
    case GgufValueType::kFloat64: std::memcpy(&out->f, p, 8); break;
    default: break;
  }
  if (type != GgufValueType::kUint64) out->u = static_cast<uint64_t>(out->i);
  if (!out->is_float()) out->f = static_cast<double>(out->i);
  return Status::Ok();
}

}  // namespace

std::string_view GgufValueTypeName(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8: return "uint8";
    case GgufValueType::kInt8: return "int8";
    case GgufValueType::kUint16: return "uint16";
    case GgufValueType::kInt16: return "int16";
    case GgufValueType::kUint32: return "uint32";
    case GgufValueType::kInt32: return "int32";
    case GgufValueType::kFloat32: return "float32";
    case GgufValueType::kBool: return "bool";
    case GgufValueType::kString: return "string";
    case GgufValueType::kArray: return "array";
    case GgufValueType::kUint64: return "uint64";
    case GgufValueType::kInt64: return "int64";
    case GgufValueType::kFloat64: return "float64";
  }
  return "unknown";
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kUint16:
    case GgufValueType::kInt16:
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kUint64:
    case GgufValueType::kInt64: return true;
    default: return false;
  }
}

int64_t GgufValue::ArrayInt(uint64_t index) const {
  const uint8_t* p = array_data + index * GgufScalarSize(array_type);
  switch (array_type) {
    case GgufValueType::kUint8:
    case GgufValueType::kBool: return LoadAs<uint8_t>(p);
    case GgufValueType::kInt8: return LoadAs<int8_t>(p);
    case GgufValueType::kUint16: return LoadAs<uint16_t>(p);
    case GgufValueType::kInt16: return LoadAs<int16_t>(p);
    case GgufValueType::kUint32: return LoadAs<uint32_t>(p);
    case GgufValueType::kInt32: return LoadAs<int32_t>(p);
    case GgufValueType::kUint64:
    case GgufValueType::kInt64: return LoadAs<int64_t>(p);
    case GgufValueType::kFloat32: return static_cast<int64_t>(ArrayFloat(index));
    case GgufValueType::kFloat64: return static_cast<int64_t>(ArrayFloat(index));
    default: return 0;
  }
}

double GgufValue::ArrayFloat(uint64_t index) const {
  const uint8_t* p = array_data + index * GgufScalarSize(array_type);
  if (array_type == GgufValueType::kFloat32) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  if (array_type == GgufValueType::kFloat64) {
    double d;
    std::memcpy(&d, p, 8);
    return d;
  }
  return static_cast<double>(ArrayInt(index));
}

bool GgufValue::ArrayBool(uint64_t index) const { return ArrayInt(index) != 0; }

int64_t GgufTensorInfo::n_elements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

std::string GgufTensorInfo::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(ne[i]);
  }
  return s + "]";
}

Result<GgufFile> GgufFile::Open(const std::string& path) {
  HEARTH_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(path));
  GgufFile file;
  file.mapping_ = std::make_unique<MappedFile>(std::move(mapped));
  file.path_ = path;
  Status st = file.ParseAll(file.mapping_->data(), file.mapping_->size());
  if (!st.ok()) return st.WithContext(path);
  return file;
}

Result<GgufFile> GgufFile::Parse(const uint8_t* bytes, size_t size, std::string name) {
  GgufFile file;
  file.path_ = std::move(name);
  Status st = file.ParseAll(bytes, size);
  if (!st.ok()) return st.WithContext(file.path_);
  return file;
}

Status GgufFile::ParseAll(const uint8_t* bytes, size_t size) {
  size_ = size;
  Cursor cur(bytes, size);
  uint32_t magic;
  if (!cur.Read(&magic)) return CorruptFile("not a GGUF file (shorter than 4 bytes)");
  if (magic != kMagic) return CorruptFile("not a GGUF file (bad magic)");
  if (!cur.Read(&version_)) return Truncated("header");
  if (version_ != 2 && version_ != 3) {
    return Unsupported("GGUF version " + std::to_string(version_) + " (supported: 2, 3)");
  }
  uint64_t n_tensors, n_kv;
  if (!cur.Read(&n_tensors) || !cur.Read(&n_kv)) return Truncated("header");
  // A key/value takes at least 13 bytes and a tensor info at least 24.
  if (n_kv > cur.remaining() / 13) return CorruptFile("metadata count " + std::to_string(n_kv) + " exceeds the file size");
  if (n_tensors > cur.remaining() / 24) return CorruptFile("tensor count " + std::to_string(n_tensors) + " exceeds the file size");

  kv_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string_view key_view;
    if (!cur.ReadString(&key_view)) return Truncated("metadata key #" + std::to_string(k));
    std::string key(key_view);
    if (key.empty()) return CorruptFile("metadata key #" + std::to_string(k) + " is empty");
    uint32_t type;
    if (!cur.Read(&type)) return Truncated("key " + key);
    if (!IsKnownType(type)) return CorruptFile("key " + key + ": unknown value type " + std::to_string(type));
    GgufValue value;
    HEARTH_RETURN_IF_ERROR(ReadValue(cur, static_cast<GgufValueType>(type), key, 0, &value));
    if (kv_index_.count(key)) return CorruptFile("key " + key + " appears twice");
    kv_index_.emplace(key, kv_.size());
    kv_.emplace_back(std::move(key), std::move(value));
  }

  if (const GgufValue* a = Find("general.alignment")) {
    if (!a->is_integer() || a->i <= 0 || (a->i & (a->i - 1)) != 0 || a->i > (1 << 20)) {
      return CorruptFile("key general.alignment: must be a power of two, found " + std::to_string(a->i));
    }
    alignment_ = static_cast<uint64_t>(a->i);
  }

  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t t = 0; t < n_tensors; ++t) {
    std::string_view name_view;
    if (!cur.ReadString(&name_view)) return Truncated("tensor info #" + std::to_string(t));
    GgufTensorInfo info;
    info.name = std::string(name_view);
    const std::string what = "tensor " + info.name;
    uint32_t n_dims;
    if (!cur.Read(&n_dims)) return Truncated(what);
    if (n_dims == 0 || n_dims > kMaxDims) return CorruptFile(what + ": " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim;
      if (!cur.Read(&dim)) return Truncated(what);
      if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          n_elements > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(dim)) {
        return CorruptFile(what + ": dimension " + std::to_string(d) + " = " + std::to_string(dim) + " is invalid or overflows");
      }
      info.ne.push_back(static_cast<int64_t>(dim));
      n_elements *= static_cast<int64_t>(dim);
    }
    uint32_t type_id;
    if (!cur.Read(&type_id) || !cur.Read(&info.offset)) return Truncated(what);
    const std::optional<DtypeInfo> dtype = LookupDtype(type_id);
    if (!dtype) return CorruptFile(what + ": unknown tensor type id " + std::to_string(type_id));
    info.type = dtype->type;
    if (info.ne[0] % dtype->block_elems != 0) {
      return CorruptFile(what + ": row length " + std::to_string(info.ne[0]) + " is not a multiple of the " +
                         std::string(dtype->name) + " block size " + std::to_string(dtype->block_elems));
    }
    const uint64_t blocks = static_cast<uint64_t>(n_elements / dtype->block_elems);
    if (blocks > size / static_cast<uint64_t>(dtype->block_bytes)) {
      return CorruptFile(what + ": " + info.ShapeString() + " of type " + std::string(dtype->name) + " is larger than the file");
    }
    info.n_bytes = static_cast<size_t>(blocks * static_cast<uint64_t>(dtype->block_bytes));
    if (info.offset % alignment_ != 0) {
      return CorruptFile(what + ": data offset " + std::to_string(info.offset) + " is not aligned to " + std::to_string(alignment_));
    }
    if (tensor_index_.count(info.name)) return CorruptFile(what + " appears twice");
    tensor_index_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }

  // The data section starts at the next multiple of the alignment after the tensor infos.
  data_offset_ = (cur.pos() + alignment_ - 1) / alignment_ * alignment_;
  if (!tensors_.empty() && data_offset_ > size) return Truncated("tensor data section");
  for (GgufTensorInfo& info : tensors_) {
    if (info.offset > size - data_offset_ || info.n_bytes > size - data_offset_ - info.offset) {
      return CorruptFile("tensor " + info.name + ": data at offset " + std::to_string(info.offset) + " (+" +
                         std::to_string(info.n_bytes) + " bytes) runs past the end of the file");
    }
    info.data = bytes + data_offset_ + info.offset;
  }
  return Status::Ok();
}

const GgufValue* GgufFile::Find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<std::string_view> GgufFile::GetString(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound("key " + std::string(key) + " is missing");
  if (v->type != GgufValueType::kString) {
    return CorruptFile("key " + std::string(key) + ": expected a string, found " + std::string(GgufValueTypeName(v->type)));
  }
  return v->str;
}

Result<uint64_t> GgufFile::GetUint(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound("key " + std::string(key) + " is missing");
  if (!v->is_integer() || (v->type != GgufValueType::kUint64 && v->i < 0)) {
    return CorruptFile("key " + std::string(key) + ": expected an unsigned integer, found " +
                       std::string(GgufValueTypeName(v->type)));
  }
  return v->u;
}

Result<double> GgufFile::GetFloat(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound("key " + std::string(key) + " is missing");
  if (!v->is_float() && !v->is_integer()) {
    return CorruptFile("key " + std::string(key) + ": expected a number, found " + std::string(GgufValueTypeName(v->type)));
  }
  return v->f;
}

Result<bool> GgufFile::GetBool(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound("key " + std::string(key) + " is missing");
  if (v->type != GgufValueType::kBool) {
    return CorruptFile("key " + std::string(key) + ": expected a bool, found " + std::string(GgufValueTypeName(v->type)));
  }
  return v->b;
}

std::optional<uint64_t> GgufFile::GetUintOr(std::string_view key) const {
  Result<uint64_t> r = GetUint(key);
  if (!r) return std::nullopt;
  return *r;
}

}  // namespace hearth
