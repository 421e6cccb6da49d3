// Unit tests for ComputeStepLogprobs: values against a direct log-softmax, the order and ties of
// the top entries, and rows with -inf / NaN logits.
#include "sampling/logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace hearth {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// log-softmax of one entry, computed the textbook way in double.
double DirectLogSoftmax(const std::vector<float>& logits, int32_t id) {
  double z = 0;
  for (float l : logits) z += std::exp(static_cast<double>(l));
  return logits[static_cast<size_t>(id)] - std::log(z);
}

TEST(ComputeStepLogprobs, MatchesDirectLogSoftmax) {
  const std::vector<float> logits = {1.0f, 3.5f, -2.0f, 0.25f, 3.5f, 2.0f};
  const StepLogprobs s = ComputeStepLogprobs(logits, 3, 4);
  EXPECT_EQ(s.chosen.id, 3);
  EXPECT_NEAR(s.chosen.logprob, DirectLogSoftmax(logits, 3), 1e-6);
  ASSERT_EQ(s.top.size(), 4u);
  // Sorted by probability; the tie between ids 1 and 4 goes to the lower id.
  const int32_t expected_ids[] = {1, 4, 5, 0};
  for (size_t i = 0; i < s.top.size(); ++i) {
    EXPECT_EQ(s.top[i].id, expected_ids[i]);
    EXPECT_NEAR(s.top[i].logprob, DirectLogSoftmax(logits, expected_ids[i]), 1e-6);
  }
}

TEST(ComputeStepLogprobs, ProbabilitiesSumToOne) {
  std::vector<float> logits(1000);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i)) * 8.0f;
  const StepLogprobs s = ComputeStepLogprobs(logits, 0, kMaxTopLogprobs);
  ASSERT_EQ(s.top.size(), static_cast<size_t>(kMaxTopLogprobs));
  double top_mass = 0;
  for (size_t i = 0; i < s.top.size(); ++i) {
    EXPECT_LE(s.top[i].logprob, 0.0f);
    if (i > 0) {
      EXPECT_GE(s.top[i - 1].logprob, s.top[i].logprob);
    }
    top_mass += std::exp(static_cast<double>(s.top[i].logprob));
  }
  EXPECT_LE(top_mass, 1.0 + 1e-6);
  double all_mass = 0;
  for (size_t id = 0; id < logits.size(); ++id) {
    all_mass += std::exp(ComputeStepLogprobs(logits, static_cast<int32_t>(id), 0).chosen.logprob);
  }
  EXPECT_NEAR(all_mass, 1.0, 1e-4);
}

TEST(ComputeStepLogprobs, ZeroTopGivesOnlyTheChosenToken) {
  const StepLogprobs s = ComputeStepLogprobs(std::vector<float>{0.0f, 0.0f}, 1, 0);
  EXPECT_TRUE(s.top.empty());
  EXPECT_NEAR(s.chosen.logprob, std::log(0.5), 1e-6);
}

TEST(ComputeStepLogprobs, InfiniteAndNanLogitsHaveNoProbability) {
  const std::vector<float> logits = {-kInf, std::nanf(""), 2.0f, 2.0f};
  const StepLogprobs s = ComputeStepLogprobs(logits, 1, 20);
  EXPECT_EQ(s.chosen.logprob, kMinLogprob);
  ASSERT_EQ(s.top.size(), 2u);  // only the finite entries
  EXPECT_EQ(s.top[0].id, 2);
  EXPECT_EQ(s.top[1].id, 3);
  EXPECT_NEAR(s.top[0].logprob, std::log(0.5), 1e-6);
  EXPECT_EQ(ComputeStepLogprobs(logits, 0, 0).chosen.logprob, kMinLogprob);
}

TEST(ComputeStepLogprobs, RowWithoutFiniteLogitsClampsEverything) {
  const std::vector<float> logits = {-kInf, -kInf};
  const StepLogprobs s = ComputeStepLogprobs(logits, 0, 5);
  EXPECT_EQ(s.chosen.logprob, kMinLogprob);
  EXPECT_TRUE(s.top.empty());
}

TEST(ComputeStepLogprobs, ChosenOutOfRangeIsClampedNotRead) {
  const StepLogprobs s = ComputeStepLogprobs(std::vector<float>{1.0f}, 7, 1);
  EXPECT_EQ(s.chosen.logprob, kMinLogprob);
  ASSERT_EQ(s.top.size(), 1u);
  EXPECT_NEAR(s.top[0].logprob, 0.0f, 1e-7);
}

}  // namespace
}  // namespace hearth
