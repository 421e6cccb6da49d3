// Which GELU the forward pass computes. hearth's own is the exact tanh-approximation GELU in f32
// (ops.h Gelu). llama.cpp's CPU backend instead rounds the input to f16 and looks the result up
// in a 64K-entry f16 table (values beyond ±10 pass through or give 0), a step function with
// steps of ~5e-4 relative. That rounding alone moves llama.cpp's logits 5e-4…1.6e-3 rel-L2 away
// from exact math on the tiny conformance models (tests/reference/README.md "Verified"); every
// other ggml op on F32 weights agrees with exact math to f32 rounding.
//
// kGgmlF16Table reproduces that lookup so the conformance suite can compare the rest of the
// forward pass with llama.cpp at llama.cpp's own noise level (`hearth logits --numerics ggml`).
// It is a test instrument: generation always uses kExact.
#pragma once

#include <cstdint>

namespace hearth {

enum class GeluNumerics { kExact, kGgmlF16Table };

// Process-wide choice for GeluMul (ops.h); set once before any forward pass runs.
void SetGeluNumerics(GeluNumerics numerics);
GeluNumerics CurrentGeluNumerics();

// ggml-cpu's GELU of one value: 0 for x <= -10, x for x >= 10, otherwise the f16 table entry of
// x rounded to f16 (the entry is Gelu() of that f16 value, computed in f32 and rounded to f16).
float GeluGgmlF16Table(float x);

// out[i] = GeluGgmlF16Table(gate[i]) * up[i], length n; out may alias gate or up.
void GeluMulGgmlF16Table(const float* gate, const float* up, float* out, int64_t n);

}  // namespace hearth
