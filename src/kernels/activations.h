// Activation rows as the dot kernels read them (vec_dot.h): an f32 row, a Q8_0 row, or a Q8_K row
// followed by its pair sums. MatMul prepares one per token and call; tests prepare them the same way.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quant/block_formats.h"
#include "tensor/dtype.h"

namespace hearth {

// Order of a prepared Q8_K row's quants inside each 256-element block. Blocks, d, bsums and the
// pair sums are the same in every order.
enum class ActivationOrder {
  kNatural,
  // Lane orders, for the AVX-512 Q4_K and Q6_K kernels (x86/vec_dot_k_avx512.cc): each 64-byte
  // run j < 4 of a block holds some quants of every sub-block of the weight type, each sub-block
  // in the same 4-byte lanes of every run, so one integer lane collects one sub-block.
  // Q4_K (32-element sub-blocks): the block's 32 qwords (8 quants each), numbered 8c + 4h + j in
  // natural order (c, j < 4; h < 2), are stored at 8j + 4h + c.
  kQ4KLanes,
  // Q6_K (16-element sub-blocks): the 64 dwords (4 quants each), numbered 4k + j (k < 16,
  // j < 4), are stored at 16j + k: lane k of every run is sub-block k.
  kQ6KLanes,
};

// Bytes of one prepared row of `n` elements (a multiple of act_type's block). For kQ8_K: the
// Q8_K blocks, then n / 32 floats (Q8KPairSums).
size_t ActivationRowBytes(GgmlType act_type, int64_t n);

// x[n] -> out[ActivationRowBytes(act_type, n)] for act_type kF32, kQ8_0 or kQ8_K. Q8_K uses the
// fastest quantizer this CPU has (bit-identical to quant/'s QuantizeRowQ8_K); `order` other than
// kNatural only with kQ8_K.
void PrepareActivationRow(GgmlType act_type, const float* x, uint8_t* out, int64_t n,
                          ActivationOrder order = ActivationOrder::kNatural);

// The pair sums of a prepared Q8_K row of n elements: p[s] = d_b * (sum of the 32 quants of
// sub-block s), s < n / 32, d_b the scale of s's block. A Q4_K / Q5_K weight row's min offsets
// meet exactly these (sum over s of dmin * m_s * p[s]), so computing them once per token spares
// every weight row the integer sum, its conversion and its scaling.
inline const float* Q8KPairSums(const void* row, int64_t n) {
  return reinterpret_cast<const float*>(static_cast<const uint8_t*>(row) +
                                        static_cast<size_t>(n / kQK_K) * sizeof(BlockQ8_K));
}

}  // namespace hearth
