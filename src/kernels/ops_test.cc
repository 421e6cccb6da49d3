// The AVX2 element-wise ops against their scalar references (std::tanh), on sweeps that cover
// the Taylor/exp switch at |x| = 0.0625, saturation, tails of every length mod 8, and NaN; RoPE
// against its formula.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/ops.h"
#include "kernels/ops_simd.h"

namespace hearth {
namespace {

bool HasAvx2() { return FindElementwiseOps(KernelIsa::kAvx2) != nullptr; }

std::vector<float> Sweep() {
  std::vector<float> x;
  for (float v = -30.0f; v <= 30.0f; v += 0.00731f) x.push_back(v);
  for (float v = 1e-8f; v < 1.0f; v *= 1.37f) {
    x.push_back(v);
    x.push_back(-v);
  }
  for (float v : {0.0f, -0.0f, 0.0625f, -0.0625f, 0.06249f, 0.06251f, 9.0f, 44.0f, -44.0f, 90.0f, -1e6f})
    x.push_back(v);
  return x;
}

TEST(OpsAvx2Test, TanhWithinFewUlpsOfStd) {
  if (!HasAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  const std::vector<float> x = Sweep();
  std::vector<float> y(x.size());
  TanhAvx2(x.data(), y.data(), static_cast<int64_t>(x.size()));
  double worst_abs = 0, worst_rel = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double ref = std::tanh(static_cast<double>(x[i]));
    const double err = std::fabs(y[i] - ref);
    worst_abs = std::max(worst_abs, err);
    if (std::fabs(ref) > 0) worst_rel = std::max(worst_rel, err / std::fabs(ref));
    ASSERT_LE(std::fabs(y[i]), 1.0f) << "x=" << x[i];
    ASSERT_EQ(std::signbit(y[i]), std::signbit(x[i])) << "x=" << x[i];
  }
  EXPECT_LT(worst_abs, 3e-7);
  EXPECT_LT(worst_rel, 1e-6);
}

TEST(OpsAvx2Test, GeluMulMatchesScalar) {
  if (!HasAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int n = 1; n <= 67; n += 3) {
    std::vector<float> gate(n), up(n), want(n), got(n);
    for (int i = 0; i < n; ++i) {
      gate[i] = normal(rng);
      up[i] = normal(rng);
    }
    GeluMulRef(gate.data(), up.data(), want.data(), n);
    GeluMulAvx2(gate.data(), up.data(), got.data(), n);
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(got[i], want[i], 1e-6 * std::max(1.0f, std::fabs(gate[i])) * std::fabs(up[i]))
          << "n=" << n << " i=" << i << " gate=" << gate[i];
    }
  }
}

TEST(OpsAvx2Test, SoftCapMatchesScalarAndKeepsNaN) {
  if (!HasAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  const float cap = 30.0f;
  std::vector<float> x = Sweep();
  for (float& v : x) v *= 7.0f;  // logits reach past the cap
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  std::vector<float> want = x, got = x;
  SoftCapRef(want.data(), static_cast<int64_t>(want.size()), cap);
  SoftCapAvx2(got.data(), static_cast<int64_t>(got.size()), cap);
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], cap * 3e-7) << "x=" << x[i];
    EXPECT_LE(std::fabs(got[i]), cap);
  }
  EXPECT_TRUE(std::isnan(got.back()));
}

TEST(OpsTest, DispatchedOpsAreOneOfTheTwins) {
  // What the forward pass calls equals the selected set's output exactly.
  const ElementwiseOps* ops = FindElementwiseOps();
  ASSERT_NE(ops, nullptr);
  std::vector<float> gate = {-3.5f, -0.3f, 0.01f, 0.7f, 2.0f, 5.0f, -8.0f, 0.2f, 1.1f};
  std::vector<float> up = {1.5f, -2.0f, 3.0f, 0.5f, -1.0f, 2.0f, 1.0f, -0.7f, 0.9f};
  std::vector<float> a(gate.size()), b(gate.size());
  GeluMul(gate.data(), up.data(), a.data(), static_cast<int64_t>(a.size()));
  ops->gelu_mul(gate.data(), up.data(), b.data(), static_cast<int64_t>(b.size()));
  EXPECT_EQ(a, b);
  for (size_t i = 0; i < gate.size(); ++i) EXPECT_NEAR(a[i], Gelu(gate[i]) * up[i], 1e-5);
}

// RoPE (spec §d.4) against the formula evaluated here in double: pair (i, i + n_rot/2) turns by
// pos * base^(-2i/n_rot) / divisor_i; elements past n_rot stay; position 0 is the identity.
TEST(Rope, RotatesPairsByTheSpecAngles) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  const int hd = 40, n_rot = 32, half = n_rot / 2;
  const float base = 10000.0f;
  std::vector<float> divisors(half);
  for (int i = 0; i < half; ++i) divisors[i] = i < 4 ? 1.0f : 8.0f;
  for (const int64_t pos : {int64_t{0}, int64_t{7}, int64_t{200000}}) {
    for (const float* div : {static_cast<const float*>(nullptr), static_cast<const float*>(divisors.data())}) {
      std::vector<float> v(hd);
      for (float& x : v) x = dist(rng);
      const std::vector<float> orig = v;
      RopeRotation r;
      RopeAngles(n_rot, pos, base, div, &r);
      RopeNeox(v.data(), n_rot, r);
      for (int i = 0; i < half; ++i) {
        const double theta = pos * std::pow(double{base}, -2.0 * i / n_rot) / (div ? div[i] : 1.0);
        const double a = orig[i], b = orig[i + half];
        EXPECT_NEAR(v[i], a * std::cos(theta) - b * std::sin(theta), 1e-5) << "pos " << pos << " i " << i;
        EXPECT_NEAR(v[i + half], a * std::sin(theta) + b * std::cos(theta), 1e-5) << "pos " << pos << " i " << i;
      }
      for (int i = n_rot; i < hd; ++i) EXPECT_EQ(v[i], orig[i]);
      if (pos == 0) {
        EXPECT_EQ(v, orig);
      }
    }
  }
}

}  // namespace
}  // namespace hearth
