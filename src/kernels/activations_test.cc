// Prepared activation rows: the SIMD Q8_K quantizer gives quant/'s bytes exactly, and the pair
// sums after the blocks are d * (sum of each 32 quants).
#include "kernels/activations.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/kernels_test_util.h"
#include "kernels/vec_dot.h"
#include "quant/quant_ref.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

bool HasAvx2() { return FindVecDot(GgmlType::kQ4_K, KernelIsa::kAvx2) != nullptr; }

// Rows that exercise the quantizer's corners: random, a block of zeros, ties for the largest
// magnitude with both signs (the first one wins), values at exactly x.5 before rounding.
std::vector<std::vector<float>> HardRows(std::mt19937& rng) {
  std::vector<std::vector<float>> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(test::RandomFloats(3 * kQK_K, rng));
  std::vector<float> zeros = test::RandomFloats(2 * kQK_K, rng);
  std::fill(zeros.begin(), zeros.begin() + kQK_K, 0.0f);
  rows.push_back(zeros);
  std::vector<float> ties = test::RandomFloats(kQK_K, rng);
  ties[40] = -2.0f;
  ties[200] = 2.0f;
  rows.push_back(ties);
  std::vector<float> ties_pos_first = ties;
  ties_pos_first[17] = 2.0f;
  rows.push_back(ties_pos_first);
  std::vector<float> halves(kQK_K);
  for (int j = 0; j < kQK_K; ++j) halves[j] = (static_cast<float>(j % 255) - 127.0f) + 0.5f * (j % 2);
  halves[0] = -127.0f;
  rows.push_back(halves);
  return rows;
}

TEST(Activations, SimdQ8KQuantizerGivesTheReferenceBytes) {
  if (!HasAvx2()) GTEST_SKIP() << "CPU without AVX2: the scalar quantizer is the only one";
  std::mt19937 rng(5);
  for (const std::vector<float>& x : HardRows(rng)) {
    const int64_t n = static_cast<int64_t>(x.size());
    std::vector<uint8_t> ref(*RowBytes(GgmlType::kQ8_K, n)), simd(ref.size());
    QuantizeRowQ8_K(x.data(), ref.data(), n);
    QuantizeRowQ8_KAvx2(x.data(), simd.data(), n);
    EXPECT_EQ(std::memcmp(ref.data(), simd.data(), ref.size()), 0) << "row of " << n;
  }
}

TEST(Activations, Q8KRowsCarryTheirPairSums) {
  std::mt19937 rng(6);
  const int64_t n = 3 * kQK_K;
  const std::vector<float> x = test::RandomFloats(n, rng);
  ASSERT_EQ(ActivationRowBytes(GgmlType::kQ8_K, n), 3 * sizeof(BlockQ8_K) + n / 32 * sizeof(float));
  std::vector<uint8_t> row(ActivationRowBytes(GgmlType::kQ8_K, n));
  PrepareActivationRow(GgmlType::kQ8_K, x.data(), row.data(), n);
  const auto* blocks = reinterpret_cast<const BlockQ8_K*>(row.data());
  const float* p = Q8KPairSums(row.data(), n);
  for (int64_t s = 0; s < n / 32; ++s) {
    const BlockQ8_K& blk = blocks[s / 8];
    int sum = 0;
    for (int j = 0; j < 32; ++j) sum += blk.qs[32 * (s % 8) + j];
    EXPECT_NE(sum, 0) << "random data should not cancel exactly; sub-block " << s;
    EXPECT_EQ(p[s], blk.d * static_cast<float>(sum)) << "sub-block " << s;
  }
}

TEST(Activations, OtherTypesAreTheirPlainRows) {
  std::mt19937 rng(7);
  const int64_t n = 64;
  const std::vector<float> x = test::RandomFloats(n, rng);
  EXPECT_EQ(ActivationRowBytes(GgmlType::kF32, n), n * sizeof(float));
  std::vector<uint8_t> f32(ActivationRowBytes(GgmlType::kF32, n));
  PrepareActivationRow(GgmlType::kF32, x.data(), f32.data(), n);
  EXPECT_EQ(std::memcmp(f32.data(), x.data(), f32.size()), 0);
  std::vector<uint8_t> q8(ActivationRowBytes(GgmlType::kQ8_0, n)), ref(*RowBytes(GgmlType::kQ8_0, n));
  ASSERT_EQ(q8.size(), ref.size());
  PrepareActivationRow(GgmlType::kQ8_0, x.data(), q8.data(), n);
  QuantizeRow(GgmlType::kQ8_0, x.data(), ref.data(), n);
  EXPECT_EQ(q8, ref);
}

}  // namespace
}  // namespace hearth
