// GGML tensor element types as stored in GGUF (the numeric ids are the file format), with the
// block geometry of every type the format defines, so the GGUF reader can size any tensor.
// Which types hearth can compute with is decided by src/quant/quant_traits.h, not here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth {

enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

// Geometry of one type: `block_elems` consecutive elements of a row are stored in `block_bytes`.
struct DtypeInfo {
  GgmlType type;
  std::string_view name;  // ggml spelling: "f32", "q4_K", ...
  int64_t block_elems;
  int64_t block_bytes;
};

// nullopt for ids that are not (or no longer) part of the format.
std::optional<DtypeInfo> LookupDtype(uint32_t type_id);
const DtypeInfo& GetDtype(GgmlType type);
std::string_view DtypeName(GgmlType type);
// Parses "q4_k", "Q4_K", "f16", "bf16" (case-insensitive).
std::optional<GgmlType> ParseDtype(std::string_view name);

// Bytes of one row of `n_elems` elements; nullopt when n_elems is not a multiple of the block.
std::optional<size_t> RowBytes(GgmlType type, int64_t n_elems);

}  // namespace hearth
