#include "kernels/ops.h"

#include <algorithm>
#include <cmath>

#include "kernels/dispatch.h"
#include "kernels/gelu_numerics.h"
#include "kernels/ops_simd.h"

namespace hearth {

void RmsNorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  // Sum of squares in double: one rounding instead of n keeps long rows (E = 5376) exact to f32.
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
  if (w != nullptr) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

float Gelu(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  constexpr float kCoef = 0.044715f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoef * x * x)));
}

void GeluMulRef(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = Gelu(gate[i]) * up[i];
}

void GeluMul(const float* gate, const float* up, float* out, int64_t n) {
  if (CurrentGeluNumerics() == GeluNumerics::kGgmlF16Table) return GeluMulGgmlF16Table(gate, up, out, n);
  FindElementwiseOps()->gelu_mul(gate, up, out, n);
}

void RopeAngles(int n_rot, int64_t pos, float base, const float* freq_divisors, RopeRotation* out) {
  const int half = n_rot / 2;
  out->cos.resize(static_cast<size_t>(half));
  out->sin.resize(static_cast<size_t>(half));
  for (int i = 0; i < half; ++i) {
    // Angle in double: at 256K positions an f32 product loses the low bits of the phase.
    const double inv_freq = std::pow(static_cast<double>(base), -2.0 * i / n_rot);
    const double divisor = freq_divisors != nullptr ? freq_divisors[i] : 1.0;
    const double theta = static_cast<double>(pos) * inv_freq / divisor;
    out->cos[static_cast<size_t>(i)] = static_cast<float>(std::cos(theta));
    out->sin[static_cast<size_t>(i)] = static_cast<float>(std::sin(theta));
  }
}

void RopeNeox(float* v, int n_rot, const RopeRotation& r) {
  const int half = n_rot / 2;
  for (int i = 0; i < half; ++i) {
    const float c = r.cos[static_cast<size_t>(i)], s = r.sin[static_cast<size_t>(i)];
    const float a = v[i], b = v[i + half];
    v[i] = a * c - b * s;
    v[i + half] = a * s + b * c;
  }
}

float ExpShifted(float* x, int64_t n, double* sum) {
  const float mx = *std::max_element(x, x + n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    s += x[i];
  }
  *sum = s;
  return mx;
}

void Softmax(float* x, int64_t n) {
  if (n <= 0) return;
  double sum = 0;
  ExpShifted(x, n, &sum);
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void SoftCapRef(float* x, int64_t n, float cap) {
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

void SoftCap(float* x, int64_t n, float cap) { FindElementwiseOps()->soft_cap(x, n, cap); }

}  // namespace hearth
