// Element-wise and per-vector operations of the Gemma 4 forward pass (f32). The matrix products
// that dominate the cost are in matmul.h; these are O(activations). GeluMul and SoftCap run the
// AVX2 twins of ops_simd.h where the CPU has them (within a few ulps of the scalar loops).
#pragma once

#include <cstdint>
#include <vector>

namespace hearth {

// y = x * (mean(x^2) + eps)^-1/2 * w  (spec §e: weights used as stored, no +1); w may be null
// for the weightless norms (V norm, router input). x and y may alias. Length n.
void RmsNorm(const float* x, const float* w, float* y, int64_t n, float eps);

// tanh-approximation GELU (spec §d, HF gelu_pytorch_tanh), computed exactly in f32.
float Gelu(float x);

// out[i] = Gelu(gate[i]) * up[i], length n (GeGLU, spec §d.10); with
// SetGeluNumerics(kGgmlF16Table), llama.cpp's table GELU instead (gelu_numerics.h).
void GeluMul(const float* gate, const float* up, float* out, int64_t n);

// The RoPE rotation of one position (spec §d.4): cos and sin of the angle
// pos * base^(-2i/n_rot) / freq_divisors[i] (null divisors = all 1) for i < n_rot/2. Computed
// once per token and layer kind, then applied to every query and key head of the token (the
// angles cost a pow, a sin and a cos in double each: computing them per head was ~2% of prefill).
struct RopeRotation {
  std::vector<float> cos, sin;  // [n_rot / 2]
};
void RopeAngles(int n_rot, int64_t pos, float base, const float* freq_divisors, RopeRotation* out);

// NEOX ("rotate-half") RoPE of one head vector in place: pairs (i, i + n_rot/2) for i < n_rot/2
// turned by rotation r (made for this n_rot). Elements past n_rot are left unchanged.
void RopeNeox(float* v, int n_rot, const RopeRotation& r);

// In-place softmax over n values (max-subtracted, f32).
void Softmax(float* x, int64_t n);
// Softmax's first half, for online-softmax merges: x[i] = e^(x[i] - max x) in place over n > 0
// values; returns the max and stores the sum (in double) in *sum.
float ExpShifted(float* x, int64_t n, double* sum);

// c * tanh(x / c) for each element (final logit soft-cap, spec §d.13).
void SoftCap(float* x, int64_t n, float cap);

}  // namespace hearth
