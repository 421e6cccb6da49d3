#include "quant/quant_traits.h"

#include <array>
#include <optional>
#include <string>

#include "base/check.h"
#include "quant/quant_ref.h"

namespace hearth {
namespace {

// A new computable type is one row here plus its block struct and reference converters.
constexpr std::array kQuantTraits = {
    QuantTraits{GgmlType::kF32, DequantizeRowF32, QuantizeRowF32},
    QuantTraits{GgmlType::kF16, DequantizeRowF16, QuantizeRowF16},
    QuantTraits{GgmlType::kBF16, DequantizeRowBF16, QuantizeRowBF16},
    QuantTraits{GgmlType::kQ8_0, DequantizeRowQ8_0, QuantizeRowQ8_0},
    QuantTraits{GgmlType::kQ4_0, DequantizeRowQ4_0, QuantizeRowQ4_0},
    QuantTraits{GgmlType::kQ4_1, DequantizeRowQ4_1, QuantizeRowQ4_1},
    QuantTraits{GgmlType::kQ5_0, DequantizeRowQ5_0, QuantizeRowQ5_0},
    QuantTraits{GgmlType::kQ5_1, DequantizeRowQ5_1, QuantizeRowQ5_1},
    QuantTraits{GgmlType::kQ2_K, DequantizeRowQ2_K, QuantizeRowQ2_K},
    QuantTraits{GgmlType::kQ3_K, DequantizeRowQ3_K, QuantizeRowQ3_K},
    QuantTraits{GgmlType::kQ4_K, DequantizeRowQ4_K, QuantizeRowQ4_K},
    QuantTraits{GgmlType::kQ5_K, DequantizeRowQ5_K, QuantizeRowQ5_K},
    QuantTraits{GgmlType::kQ6_K, DequantizeRowQ6_K, QuantizeRowQ6_K},
    QuantTraits{GgmlType::kQ8_K, DequantizeRowQ8_K, QuantizeRowQ8_K},
    QuantTraits{GgmlType::kIQ4_NL, DequantizeRowIQ4_NL, QuantizeRowIQ4_NL},
    QuantTraits{GgmlType::kIQ4_XS, DequantizeRowIQ4_XS, QuantizeRowIQ4_XS},
};

const QuantTraits& GetQuantTraits(GgmlType type, int64_t n) {
  const QuantTraits* traits = FindQuantTraits(type);
  HEARTH_CHECK(traits != nullptr, "type %u has no quant traits", static_cast<unsigned>(type));
  const int64_t block = GetDtype(type).block_elems;
  HEARTH_CHECK(n >= 0 && n % block == 0, "row of %lld elements is not a multiple of %lld",
               static_cast<long long>(n), static_cast<long long>(block));
  return *traits;
}

}  // namespace

const QuantTraits* FindQuantTraits(GgmlType type) {
  for (const QuantTraits& traits : kQuantTraits) {
    if (traits.type == type) return &traits;
  }
  return nullptr;
}

Status CheckComputable(GgmlType type, std::string_view tensor_name) {
  if (FindQuantTraits(type) != nullptr) return Status::Ok();
  // The id may come straight from a file, so it is named without GetDtype's abort on unknowns.
  const std::optional<DtypeInfo> info = LookupDtype(static_cast<uint32_t>(type));
  std::string message = "tensor " + std::string(tensor_name) + ": type ";
  message += info ? std::string(info->name)
                  : "id " + std::to_string(static_cast<uint32_t>(type));
  message += " is not supported (supported: ";
  for (size_t i = 0; i < kQuantTraits.size(); ++i) {
    if (i > 0) message += ", ";
    message += DtypeName(kQuantTraits[i].type);
  }
  message += ")";
  return Unsupported(std::move(message));
}

void DequantizeRow(GgmlType type, const void* src, float* dst, int64_t n) {
  GetQuantTraits(type, n).dequantize(src, dst, n);
}

void QuantizeRow(GgmlType type, const float* src, void* dst, int64_t n) {
  const QuantTraits& traits = GetQuantTraits(type, n);
  HEARTH_CHECK(traits.quantize != nullptr, "type %s has no quantizer",
               std::string(DtypeName(type)).c_str());
  traits.quantize(src, dst, n);
}

}  // namespace hearth
