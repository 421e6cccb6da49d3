// Which tensor types hearth can compute with, and the scalar row converters for each: one table
// row per type (quant_traits.cc). Block layouts are in block_formats.h; block geometry (elements
// and bytes per block) stays in tensor/dtype.h. Fast kernels live in src/kernels, not here.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "tensor/dtype.h"

namespace hearth {

// Converts `n` elements (a multiple of the type's block) from blocks at `src` to floats.
using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
// Converts `n` floats (a multiple of the type's block) into blocks at `dst`
// (RowBytes(type, n) bytes).
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);

// One computable type. Both converters are the scalar reference: bit-exact with ggml's reference
// dequantizers, and for Q8_0 / Q8_K (activation formats) with ggml's reference quantizers too.
struct QuantTraits {
  GgmlType type;
  DequantizeRowFn dequantize;  // never null
  QuantizeRowFn quantize;      // null if hearth cannot produce this type
};

// nullptr if hearth cannot compute with `type`.
const QuantTraits* FindQuantTraits(GgmlType type);

// kUnsupported naming the tensor, its type and the supported list, e.g.
// "tensor blk.0.attn_q.weight: type iq2_xxs is not supported (supported: f32, f16, ...)".
Status CheckComputable(GgmlType type, std::string_view tensor_name);

// Conveniences over the table; abort (HEARTH_CHECK) on an unsupported type or a ragged `n`,
// which model load rules out first through CheckComputable and shape checks.
void DequantizeRow(GgmlType type, const void* src, float* dst, int64_t n);
void QuantizeRow(GgmlType type, const float* src, void* dst, int64_t n);

}  // namespace hearth
