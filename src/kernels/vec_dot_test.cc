// Each SIMD dot kernel against its scalar integer twin on random rows of every type: the integer
// block sums are identical, so the only difference allowed is float summation order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "kernels/activations.h"
#include "kernels/dispatch.h"
#include "kernels/kernels_test_util.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

class VecDotTest : public ::testing::TestWithParam<GgmlType> {};

// Activation row of `cols` floats in the kernel's format, as MatMul prepares it.
std::vector<uint8_t> Activations(const VecDotKernel& kernel, const std::vector<float>& x) {
  const int64_t cols = static_cast<int64_t>(x.size());
  std::vector<uint8_t> out(ActivationRowBytes(kernel.act_type, cols));
  PrepareActivationRow(kernel.act_type, x.data(), out.data(), cols, kernel.act_order);
  return out;
}

// sum |w_j * a_j| in double over the dequantized rows: the scale of the float rounding error.
double AbsDot(GgmlType type, const uint8_t* w, GgmlType act_type, const uint8_t* a, int64_t n) {
  std::vector<float> wf(static_cast<size_t>(n)), af(static_cast<size_t>(n));
  DequantizeRow(type, w, wf.data(), n);
  DequantizeRow(act_type, a, af.data(), n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += std::fabs(static_cast<double>(wf[i]) * af[i]);
  return s;
}

// A SIMD kernel set and one weight type it has a kernel for on this CPU.
struct SimdCase {
  KernelIsa isa;
  GgmlType type;
};

// The types with a kernel of `isa` on this CPU, from the dispatch table, so a type without one is
// simply not listed (rather than reported as a skipped test).
std::vector<SimdCase> SimdCases(KernelIsa isa, bool four_token) {
  std::vector<SimdCase> out;
  for (GgmlType t : test::kAllTypes) {
    const VecDotKernel* k = FindVecDot(t, isa);
    if (k != nullptr && (!four_token || k->fn4 != nullptr)) out.push_back({isa, t});
  }
  return out;
}

class SimdVecDotTest : public ::testing::TestWithParam<SimdCase> {};
class FourTokenVecDotTest : public ::testing::TestWithParam<SimdCase> {};

TEST_P(SimdVecDotTest, SimdMatchesScalar) {
  const GgmlType type = GetParam().type;
  const VecDotKernel* scalar = FindVecDot(type, KernelIsa::kScalar);
  ASSERT_NE(scalar, nullptr);
  const VecDotKernel* simd = FindVecDot(type, GetParam().isa);
  ASSERT_NE(simd, nullptr);
  ASSERT_NE(simd->fn, scalar->fn);
  const int64_t block = GetDtype(type).block_elems == 1 ? 256 : GetDtype(type).block_elems;
  std::mt19937 rng(1234);
  // Block multiples 1, 3, 7, 16, plus odd tails for the float kernels (8-wide and 32-wide loops).
  std::vector<int64_t> sizes = {block, 3 * block, 7 * block, 16 * block};
  if (GetDtype(type).block_elems == 1) sizes.insert(sizes.end(), {1, 7, 37, 1029});
  for (const int64_t n : sizes) {
    for (int trial = 0; trial < 20; ++trial) {
      const std::vector<uint8_t> w = test::RandomRows(type, 1, n, rng);
      const std::vector<float> x = test::RandomFloats(n, rng);
      // The same quants for both; only their order may differ (act_order).
      const std::vector<uint8_t> a = Activations(*scalar, x);
      const float ref = scalar->fn(n, w.data(), a.data());
      const float got = simd->fn(n, w.data(), Activations(*simd, x).data());
      const double scale = AbsDot(type, w.data(), scalar->act_type, a.data(), n);
      ASSERT_GT(scale, 0.0);
      EXPECT_NEAR(got, ref, 1e-5 * scale) << "n=" << n << " trial=" << trial;
    }
  }
}

// The four- and eight-token kernels must give, bit for bit, what the one-token kernel of their
// ISA gives for each token: MatMul's results then do not depend on how tokens are grouped.
TEST_P(FourTokenVecDotTest, MultiTokenKernelsMatchOneToken) {
  const GgmlType type = GetParam().type;
  const VecDotKernel* simd = FindVecDot(type, GetParam().isa);
  ASSERT_TRUE(simd != nullptr && simd->fn4 != nullptr);
  const int64_t block = GetDtype(type).block_elems;
  std::mt19937 rng(77);
  for (const int64_t n : {block, 3 * block, 9 * block}) {
    const std::vector<uint8_t> w = test::RandomRows(type, 1, n, rng);
    std::vector<std::vector<uint8_t>> rows;
    for (int i = 0; i < 8; ++i)
      rows.push_back(Activations(*simd, test::RandomFloats(n, rng)));
    // The rows with a padded stride, as MatMul lays them out back to back.
    const size_t stride = rows[0].size() + 8;
    std::vector<uint8_t> packed(8 * stride);
    for (int i = 0; i < 8; ++i)
      std::memcpy(packed.data() + i * stride, rows[i].data(), rows[i].size());
    for (const auto& [width, fn] : {std::pair{4, simd->fn4}, std::pair{8, simd->fn8}}) {
      if (fn == nullptr) continue;
      float out[8 * 3];
      fn(n, w.data(), packed.data(), stride, out, 3);
      for (int i = 0; i < width; ++i) {
        EXPECT_EQ(out[3 * i], simd->fn(n, w.data(), rows[i].data()))
            << width << "-token kernel, n=" << n << " row " << i;
      }
    }
  }
}

// The AVX-512 Q4_K kernel has the eight-token form (the prefill hot spot on AVX-512 CPUs).
TEST(FourTokenVecDot, Avx512Q4KHasEightTokenForm) {
  const VecDotKernel* k = FindVecDot(GgmlType::kQ4_K, KernelIsa::kAvx512);
  if (k == nullptr) GTEST_SKIP() << "CPU without AVX-512 VNNI";
  EXPECT_NE(k->fn8, nullptr);
}

// The scalar integer kernel against the float dot of the dequantized rows (double): they differ
// only by float rounding, since both use the same quantized activations.
TEST_P(VecDotTest, ScalarMatchesDequantizedDot) {
  const GgmlType type = GetParam();
  const VecDotKernel* scalar = FindVecDot(type, KernelIsa::kScalar);
  ASSERT_NE(scalar, nullptr);
  const int64_t block = GetDtype(type).block_elems == 1 ? 64 : GetDtype(type).block_elems;
  std::mt19937 rng(99);
  for (const int64_t n : {block, 5 * block}) {
    for (int trial = 0; trial < 20; ++trial) {
      const std::vector<uint8_t> w = test::RandomRows(type, 1, n, rng);
      const std::vector<uint8_t> a = Activations(*scalar, test::RandomFloats(n, rng));
      std::vector<float> wf(static_cast<size_t>(n)), af(static_cast<size_t>(n));
      DequantizeRow(type, w.data(), wf.data(), n);
      DequantizeRow(scalar->act_type, a.data(), af.data(), n);
      double exact = 0, scale = 0;
      for (int64_t i = 0; i < n; ++i) {
        exact += static_cast<double>(wf[i]) * af[i];
        scale += std::fabs(static_cast<double>(wf[i]) * af[i]);
      }
      const float got = scalar->fn(n, w.data(), a.data());
      EXPECT_NEAR(got, exact, 1e-5 * scale) << "n=" << n << " trial=" << trial;
    }
  }
}

std::string TypeName(const ::testing::TestParamInfo<GgmlType>& param_info) {
  return std::string(DtypeName(param_info.param));
}

std::string SimdCaseName(const ::testing::TestParamInfo<SimdCase>& param_info) {
  return std::string(DtypeName(param_info.param.type));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, VecDotTest, ::testing::ValuesIn(test::kAllTypes), TypeName);
INSTANTIATE_TEST_SUITE_P(Avx2, SimdVecDotTest, ::testing::ValuesIn(SimdCases(KernelIsa::kAvx2, false)),
                         SimdCaseName);
INSTANTIATE_TEST_SUITE_P(Avx2, FourTokenVecDotTest, ::testing::ValuesIn(SimdCases(KernelIsa::kAvx2, true)),
                         SimdCaseName);
INSTANTIATE_TEST_SUITE_P(Avx512, SimdVecDotTest, ::testing::ValuesIn(SimdCases(KernelIsa::kAvx512, false)),
                         SimdCaseName);
INSTANTIATE_TEST_SUITE_P(Avx512, FourTokenVecDotTest,
                         ::testing::ValuesIn(SimdCases(KernelIsa::kAvx512, true)), SimdCaseName);
// On a CPU without AVX2 (or AVX-512) there is nothing to compare.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SimdVecDotTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FourTokenVecDotTest);

}  // namespace
}  // namespace hearth
