// Activation rows as the dot kernels read them (vec_dot.h): an f32 row, a Q8_0 row, or a Q8_K row
// followed by its pair sums. MatMul prepares one per token and call; tests prepare them the same way.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quant/block_formats.h"
#include "tensor/dtype.h"

namespace hearth {

// Bytes of one prepared row of `n` elements (a multiple of act_type's block). For kQ8_K: the
// Q8_K blocks, then n / 32 floats (Q8KPairSums).
size_t ActivationRowBytes(GgmlType act_type, int64_t n);

// x[n] -> out[ActivationRowBytes(act_type, n)] for act_type kF32, kQ8_0 or kQ8_K. Q8_K uses the
// fastest quantizer this CPU has (bit-identical to quant/'s QuantizeRowQ8_K).
void PrepareActivationRow(GgmlType act_type, const float* x, uint8_t* out, int64_t n);

// The pair sums of a prepared Q8_K row of n elements: p[s] = d_b * (sum of the 32 quants of
// sub-block s), s < n / 32, d_b the scale of s's block. A Q4_K / Q5_K weight row's min offsets
// meet exactly these (sum over s of dmin * m_s * p[s]), so computing them once per token spares
// every weight row the integer sum, its conversion and its scaling.
inline const float* Q8KPairSums(const void* row, int64_t n) {
  return reinterpret_cast<const float*>(static_cast<const uint8_t*>(row) +
                                        static_cast<size_t>(n / kQK_K) * sizeof(BlockQ8_K));
}

}  // namespace hearth
