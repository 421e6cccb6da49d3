#include "sampling/logit_cap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace hearth {
namespace {

// The model's cap applied to raw logits, in f32 the way the forward pass's SoftCap does
// (kernels/ops.h: multiply by 1/cap, tanh, multiply by cap).
std::vector<float> Capped(const std::vector<float>& raw, float cap) {
  const float inv = 1.0f / cap;
  std::vector<float> y;
  for (float x : raw) y.push_back(cap * std::tanh(x * inv));
  return y;
}

std::vector<float> RandomRaw(int n) {
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 12.0f);
  std::vector<float> raw;
  for (int i = 0; i < n; ++i) raw.push_back(d(rng));
  return raw;
}

TEST(LogitCapTest, NoCapRecoversTheRawLogits) {
  const std::vector<float> raw = RandomRaw(4096);
  std::vector<float> out;
  RecapLogits(Capped(raw, 30.0f), 30.0f, 0.0f, &out);
  ASSERT_EQ(out.size(), raw.size());
  for (size_t i = 0; i < raw.size(); ++i) EXPECT_NEAR(out[i], raw[i], 1e-5f * (1.0f + std::fabs(raw[i]) * 10)) << i;
}

TEST(LogitCapTest, AnotherCapEqualsCappingTheRawLogitsDirectly) {
  const std::vector<float> raw = RandomRaw(4096);
  for (float cap : {5.0f, 30.0f, 50.0f}) {
    std::vector<float> out;
    RecapLogits(Capped(raw, 30.0f), 30.0f, cap, &out);
    const std::vector<float> direct = Capped(raw, cap);
    for (size_t i = 0; i < raw.size(); ++i) EXPECT_NEAR(out[i], direct[i], 2e-5f * cap) << "cap " << cap << " i " << i;
  }
}

TEST(LogitCapTest, SaturatedValuesStayFiniteAndOrdered) {
  std::vector<float> out;
  RecapLogits(std::vector<float>{-30.0f, -29.9f, 0.0f, 29.9f, 30.0f}, 30.0f, 0.0f, &out);
  for (float v : out) EXPECT_TRUE(std::isfinite(v));
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LT(out[i - 1], out[i]);
  EXPECT_EQ(out[2], 0.0f);
}

}  // namespace
}  // namespace hearth
