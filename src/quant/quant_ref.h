// Scalar reference row converters, one pair per type; quant_traits.cc puts them in its table.
// Everything here takes `n` as a multiple of the type's block and trusts it (callers check).
// Kernels that need one block type directly may call these; everyone else goes via QuantTraits.
#pragma once

#include <cstdint>

namespace hearth {

// dequantize_ref.cc: plain floats, 32-element blocks and IQ4_NL.
void DequantizeRowF32(const void* src, float* dst, int64_t n);
void DequantizeRowF16(const void* src, float* dst, int64_t n);
void DequantizeRowBF16(const void* src, float* dst, int64_t n);
void DequantizeRowQ4_0(const void* src, float* dst, int64_t n);
void DequantizeRowQ4_1(const void* src, float* dst, int64_t n);
void DequantizeRowQ5_0(const void* src, float* dst, int64_t n);
void DequantizeRowQ5_1(const void* src, float* dst, int64_t n);
void DequantizeRowQ8_0(const void* src, float* dst, int64_t n);
void DequantizeRowIQ4_NL(const void* src, float* dst, int64_t n);

// dequantize_ref_k.cc: 256-element super-blocks.
void DequantizeRowQ2_K(const void* src, float* dst, int64_t n);
void DequantizeRowQ3_K(const void* src, float* dst, int64_t n);
void DequantizeRowQ4_K(const void* src, float* dst, int64_t n);
void DequantizeRowQ5_K(const void* src, float* dst, int64_t n);
void DequantizeRowQ6_K(const void* src, float* dst, int64_t n);
void DequantizeRowQ8_K(const void* src, float* dst, int64_t n);
void DequantizeRowIQ4_XS(const void* src, float* dst, int64_t n);

// quantize_ref.cc: plain floats, 32-element blocks, IQ4_NL and Q8_K (activations).
void QuantizeRowF32(const float* src, void* dst, int64_t n);
void QuantizeRowF16(const float* src, void* dst, int64_t n);
void QuantizeRowBF16(const float* src, void* dst, int64_t n);
void QuantizeRowQ4_0(const float* src, void* dst, int64_t n);
void QuantizeRowQ4_1(const float* src, void* dst, int64_t n);
void QuantizeRowQ5_0(const float* src, void* dst, int64_t n);
void QuantizeRowQ5_1(const float* src, void* dst, int64_t n);
void QuantizeRowQ8_0(const float* src, void* dst, int64_t n);
void QuantizeRowQ8_K(const float* src, void* dst, int64_t n);
void QuantizeRowIQ4_NL(const float* src, void* dst, int64_t n);

// quantize_ref_k.cc: K-quant weights and IQ4_XS, with a short scale search (not ggml's full
// iterative one: outputs are valid blocks but not byte-identical to llama-quantize).
void QuantizeRowQ2_K(const float* src, void* dst, int64_t n);
void QuantizeRowQ3_K(const float* src, void* dst, int64_t n);
void QuantizeRowQ4_K(const float* src, void* dst, int64_t n);
void QuantizeRowQ5_K(const float* src, void* dst, int64_t n);
void QuantizeRowQ6_K(const float* src, void* dst, int64_t n);
void QuantizeRowIQ4_XS(const float* src, void* dst, int64_t n);

}  // namespace hearth
