// Scalar reference loops and AVX2 twins of the transcendental element-wise ops (ops.h GeluMul,
// SoftCap); dispatch.cc picks one set per process. Only kernels/ and its tests include this.
#pragma once

#include <cstdint>

namespace hearth {

// ops.cc: the exact f32 loops (std::tanh), used on CPUs without AVX2 and as the test reference.
void GeluMulRef(const float* gate, const float* up, float* out, int64_t n);
void SoftCapRef(float* x, int64_t n, float cap);

// x86/ops_avx2.cc: AVX2 + FMA; call only when GetCpuFeatures() reports both (dispatch.cc does).
void TanhAvx2(const float* x, float* y, int64_t n);
void GeluMulAvx2(const float* gate, const float* up, float* out, int64_t n);
void SoftCapAvx2(float* x, int64_t n, float cap);

}  // namespace hearth
