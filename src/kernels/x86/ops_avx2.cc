// AVX2 twins of the transcendental element-wise ops in ops.cc (GeGLU and the final logit
// soft-cap), whose scalar std::tanh calls cost E2B decode ~5% (a 262,144-wide soft-cap and a
// GELU over every FFN row per token). tanh is built on a Cephes-style exp with a Taylor branch
// near zero, accurate to a few f32 ulps; ops_test.cc holds it to the scalar functions.
#include <immintrin.h>

#include <cmath>

#include "kernels/ops.h"
#include "kernels/ops_simd.h"

namespace hearth {
namespace {

// exp(x) for x in [-88, 0]: x = n ln2 + r with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial
// (Cephes expf coefficients), 2^n through the exponent bits.
inline __m256 ExpNonPositive(__m256 x) {
  // Operand order matters: max_ps returns its second operand when either is NaN, so NaN stays NaN.
  x = _mm256_max_ps(_mm256_set1_ps(-87.3f), x);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln2 split in a part exact in f32 and the rest, so r keeps its low bits.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i pow2n =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
}

// tanh(x) = sign(x) (1 - t) / (1 + t) with t = exp(-2|x|). Below |x| = 0.0625 the subtraction
// would cancel, so the odd Taylor series to x^9 is used there (truncation < 1e-12).
inline __m256 Tanh8(__m256 x) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  const __m256 ax = _mm256_andnot_ps(sign_bit, x);
  const __m256 t = ExpNonPositive(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 large = _mm256_div_ps(_mm256_sub_ps(one, t), _mm256_add_ps(one, t));
  const __m256 x2 = _mm256_mul_ps(ax, ax);
  __m256 s = _mm256_set1_ps(62.0f / 2835.0f);
  s = _mm256_fmadd_ps(s, x2, _mm256_set1_ps(-17.0f / 315.0f));
  s = _mm256_fmadd_ps(s, x2, _mm256_set1_ps(2.0f / 15.0f));
  s = _mm256_fmadd_ps(s, x2, _mm256_set1_ps(-1.0f / 3.0f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(s, x2), ax, ax);
  const __m256 magnitude = _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.0625f), _CMP_LT_OQ));
  return _mm256_or_ps(magnitude, _mm256_and_ps(sign_bit, x));
}

}  // namespace

void TanhAvx2(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, Tanh8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = std::tanh(x[i]);
}

void GeluMulAvx2(const float* gate, const float* up, float* out, int64_t n) {
  // GELU(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as Gelu() in ops.cc.
  const __m256 k0 = _mm256_set1_ps(0.7978845608028654f);
  const __m256 k1 = _mm256_set1_ps(0.044715f);
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(gate + i);
    const __m256 inner = _mm256_mul_ps(_mm256_mul_ps(k0, x), _mm256_fmadd_ps(_mm256_mul_ps(k1, x), x, one));
    const __m256 gelu = _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(one, Tanh8(inner)));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(gelu, _mm256_loadu_ps(up + i)));
  }
  for (; i < n; ++i) out[i] = Gelu(gate[i]) * up[i];
}

void SoftCapAvx2(float* x, int64_t n, float cap) {
  const __m256 c = _mm256_set1_ps(cap);
  const __m256 inv = _mm256_set1_ps(1.0f / cap);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(x + i, _mm256_mul_ps(c, Tanh8(_mm256_mul_ps(_mm256_loadu_ps(x + i), inv))));
  }
  const float inv_s = 1.0f / cap;
  for (; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv_s);
}

}  // namespace hearth
