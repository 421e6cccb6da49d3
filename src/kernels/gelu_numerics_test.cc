#include "kernels/gelu_numerics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/ops.h"

namespace hearth {
namespace {

// The lookup written out with the compiler's own half type (independent of base/fp16.h): round
// the input to half, evaluate the tanh GELU in float, round the result to half.
float TableGeluWithFloat16(float x) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  const float h = static_cast<float>(static_cast<_Float16>(x));
  const float g = 0.5f * h * (1.0f + std::tanh(0.7978845608028654f * h * (1.0f + 0.044715f * h * h)));
  return static_cast<float>(static_cast<_Float16>(g));
}

TEST(GeluNumericsTest, TableMatchesAnIndependentHalfPrecisionComputation) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-12.0f, 12.0f);
  for (int i = 0; i < 200000; ++i) {
    const float x = dist(rng);
    ASSERT_EQ(GeluGgmlF16Table(x), TableGeluWithFloat16(x)) << "x = " << x;
  }
  EXPECT_EQ(GeluGgmlF16Table(-10.0f), 0.0f);
  EXPECT_EQ(GeluGgmlF16Table(10.0f), 10.0f);
  EXPECT_EQ(GeluGgmlF16Table(37.5f), 37.5f);
}

TEST(GeluNumericsTest, TableIsAStepFunctionNearTheExactGelu) {
  // Two inputs in the same half-precision step give the same output; each output is within half
  // precision (input and output rounding) of the exact value.
  EXPECT_EQ(GeluGgmlF16Table(1.0f), GeluGgmlF16Table(1.0f + 1e-4f));
  EXPECT_NE(Gelu(1.0f), Gelu(1.0f + 1e-4f));
  for (float x = -9.5f; x < 9.5f; x += 0.0137f) {
    const float exact = Gelu(x);
    EXPECT_NEAR(GeluGgmlF16Table(x), exact, 2e-3f * std::fabs(x) + 1e-4f) << "x = " << x;
  }
}

TEST(GeluNumericsTest, GeluMulFollowsTheProcessWideChoice) {
  const std::vector<float> gate = {-11.0f, -2.3f, -0.31f, 0.0f, 0.77f, 1.9f, 4.2f, 10.5f};
  const std::vector<float> up = {1.5f, -0.5f, 2.0f, 3.0f, -1.25f, 0.75f, 1.0f, 2.0f};
  const int64_t n = static_cast<int64_t>(gate.size());
  std::vector<float> exact(gate.size()), table(gate.size());
  ASSERT_EQ(CurrentGeluNumerics(), GeluNumerics::kExact);
  GeluMul(gate.data(), up.data(), exact.data(), n);
  SetGeluNumerics(GeluNumerics::kGgmlF16Table);
  GeluMul(gate.data(), up.data(), table.data(), n);
  SetGeluNumerics(GeluNumerics::kExact);
  for (size_t i = 0; i < gate.size(); ++i) {
    EXPECT_EQ(table[i], TableGeluWithFloat16(gate[i]) * up[i]) << i;
    EXPECT_NEAR(exact[i], Gelu(gate[i]) * up[i], 1e-6f * (1.0f + std::fabs(exact[i]))) << i;
  }
  EXPECT_NE(exact[2], table[2]);
}

}  // namespace
}  // namespace hearth
