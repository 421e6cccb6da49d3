#include "tensor/dtype.h"

#include <array>
#include <cctype>

#include "base/check.h"

namespace hearth {
namespace {

// Block sizes and byte counts from the GGUF format (ggml type traits); K-quants use 256-element
// super-blocks, the legacy and *_NL formats 32.
constexpr std::array kDtypes = {
    DtypeInfo{GgmlType::kF32, "f32", 1, 4},
    DtypeInfo{GgmlType::kF16, "f16", 1, 2},
    DtypeInfo{GgmlType::kQ4_0, "q4_0", 32, 18},
    DtypeInfo{GgmlType::kQ4_1, "q4_1", 32, 20},
    DtypeInfo{GgmlType::kQ5_0, "q5_0", 32, 22},
    DtypeInfo{GgmlType::kQ5_1, "q5_1", 32, 24},
    DtypeInfo{GgmlType::kQ8_0, "q8_0", 32, 34},
    DtypeInfo{GgmlType::kQ8_1, "q8_1", 32, 36},
    DtypeInfo{GgmlType::kQ2_K, "q2_K", 256, 84},
    DtypeInfo{GgmlType::kQ3_K, "q3_K", 256, 110},
    DtypeInfo{GgmlType::kQ4_K, "q4_K", 256, 144},
    DtypeInfo{GgmlType::kQ5_K, "q5_K", 256, 176},
    DtypeInfo{GgmlType::kQ6_K, "q6_K", 256, 210},
    DtypeInfo{GgmlType::kQ8_K, "q8_K", 256, 292},
    DtypeInfo{GgmlType::kIQ2_XXS, "iq2_xxs", 256, 66},
    DtypeInfo{GgmlType::kIQ2_XS, "iq2_xs", 256, 74},
    DtypeInfo{GgmlType::kIQ3_XXS, "iq3_xxs", 256, 98},
    DtypeInfo{GgmlType::kIQ1_S, "iq1_s", 256, 50},
    DtypeInfo{GgmlType::kIQ4_NL, "iq4_nl", 32, 18},
    DtypeInfo{GgmlType::kIQ3_S, "iq3_s", 256, 110},
    DtypeInfo{GgmlType::kIQ2_S, "iq2_s", 256, 82},
    DtypeInfo{GgmlType::kIQ4_XS, "iq4_xs", 256, 136},
    DtypeInfo{GgmlType::kI8, "i8", 1, 1},
    DtypeInfo{GgmlType::kI16, "i16", 1, 2},
    DtypeInfo{GgmlType::kI32, "i32", 1, 4},
    DtypeInfo{GgmlType::kI64, "i64", 1, 8},
    DtypeInfo{GgmlType::kF64, "f64", 1, 8},
    DtypeInfo{GgmlType::kIQ1_M, "iq1_m", 256, 56},
    DtypeInfo{GgmlType::kBF16, "bf16", 1, 2},
    DtypeInfo{GgmlType::kTQ1_0, "tq1_0", 256, 54},
    DtypeInfo{GgmlType::kTQ2_0, "tq2_0", 256, 66},
    DtypeInfo{GgmlType::kMXFP4, "mxfp4", 32, 17},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<DtypeInfo> LookupDtype(uint32_t type_id) {
  for (const DtypeInfo& info : kDtypes) {
    if (static_cast<uint32_t>(info.type) == type_id) return info;
  }
  return std::nullopt;
}

const DtypeInfo& GetDtype(GgmlType type) {
  for (const DtypeInfo& info : kDtypes) {
    if (info.type == type) return info;
  }
  HEARTH_CHECK(false, "unknown GgmlType %u", static_cast<unsigned>(type));
  return kDtypes[0];
}

std::string_view DtypeName(GgmlType type) { return GetDtype(type).name; }

std::optional<GgmlType> ParseDtype(std::string_view name) {
  for (const DtypeInfo& info : kDtypes) {
    if (EqualsIgnoreCase(info.name, name)) return info.type;
  }
  return std::nullopt;
}

std::optional<size_t> RowBytes(GgmlType type, int64_t n_elems) {
  const DtypeInfo& info = GetDtype(type);
  if (n_elems < 0 || n_elems % info.block_elems != 0) return std::nullopt;
  return static_cast<size_t>(n_elems / info.block_elems) * static_cast<size_t>(info.block_bytes);
}

}  // namespace hearth
