// Prepared activation rows: the SIMD Q8_K quantizer gives quant/'s bytes exactly, and the pair
// sums after the blocks are d * (sum of each 32 quants).
#include "kernels/activations.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// The lane orders move quants inside each block and leave everything else alone. Byte p of
// 64-byte run j comes from natural element `from(j, p)`, as activations.h describes each order.
void ExpectLaneOrder(ActivationOrder order, int (*from)(int j, int p)) {
  std::mt19937 rng(8);
  const int64_t n = 2 * kQK_K;
  const std::vector<float> x = test::RandomFloats(n, rng);
  std::vector<uint8_t> natural(ActivationRowBytes(GgmlType::kQ8_K, n)), lanes(natural.size());
  PrepareActivationRow(GgmlType::kQ8_K, x.data(), natural.data(), n);
  PrepareActivationRow(GgmlType::kQ8_K, x.data(), lanes.data(), n, order);
  const auto* nb = reinterpret_cast<const BlockQ8_K*>(natural.data());
  const auto* lb = reinterpret_cast<const BlockQ8_K*>(lanes.data());
  int moved = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    EXPECT_EQ(lb[b].d, nb[b].d);
    EXPECT_EQ(std::memcmp(lb[b].bsums, nb[b].bsums, sizeof(nb[b].bsums)), 0);
    for (int j = 0; j < 4; ++j) {
      for (int p = 0; p < 64; ++p) {
        ASSERT_EQ(lb[b].qs[64 * j + p], nb[b].qs[from(j, p)]) << "block " << b << " run " << j << " byte " << p;
        moved += nb[b].qs[from(j, p)] != nb[b].qs[64 * j + p];
      }
    }
  }
  EXPECT_GT(moved, 100) << "the order must actually differ from the natural one";
  const size_t blocks_bytes = static_cast<size_t>(n / kQK_K) * sizeof(BlockQ8_K);
  EXPECT_EQ(std::memcmp(lanes.data() + blocks_bytes, natural.data() + blocks_bytes, natural.size() - blocks_bytes), 0)
      << "pair sums";
}

// What the lane-order kernels rely on, checked without the formula: on a block whose quants name
// their sub-block (x[e] = 1 + e / sub_block_elems, a distinct quant per sub-block), each 4-byte
// lane k of every run holds quants of sub-block lane_sub_block[k] only, the same in all four runs,
// and every sub-block keeps all its quants.
void ExpectOneSubBlockPerLane(ActivationOrder order, int sub_block_elems, const int (&lane_sub_block)[16]) {
  const int n_sub_blocks = kQK_K / sub_block_elems;
  std::vector<float> x(kQK_K);
  for (int e = 0; e < kQK_K; ++e) x[static_cast<size_t>(e)] = static_cast<float>(1 + e / sub_block_elems);
  std::vector<uint8_t> natural(ActivationRowBytes(GgmlType::kQ8_K, kQK_K)), lanes(natural.size());
  PrepareActivationRow(GgmlType::kQ8_K, x.data(), natural.data(), kQK_K);
  PrepareActivationRow(GgmlType::kQ8_K, x.data(), lanes.data(), kQK_K, order);
  const auto& nb = *reinterpret_cast<const BlockQ8_K*>(natural.data());
  const auto& lb = *reinterpret_cast<const BlockQ8_K*>(lanes.data());
  std::vector<int> count(static_cast<size_t>(n_sub_blocks), 0);
  for (int i = 0; i < kQK_K; ++i) {
    const int lane = (i % 64) / 4;
    const int want = lane_sub_block[lane];
    EXPECT_EQ(lb.qs[i], nb.qs[want * sub_block_elems]) << "byte " << i << " (run " << i / 64 << ", lane " << lane << ")";
    for (int sb = 0; sb < n_sub_blocks; ++sb) count[static_cast<size_t>(sb)] += lb.qs[i] == nb.qs[sb * sub_block_elems];
  }
  for (int sb = 0; sb < n_sub_blocks; ++sb) {
    EXPECT_EQ(count[static_cast<size_t>(sb)], sub_block_elems) << "sub-block " << sb;
    if (sb > 0) {
      EXPECT_NE(nb.qs[sb * sub_block_elems], nb.qs[(sb - 1) * sub_block_elems]) << "quants must name sub-blocks";
    }
  }
}

// Q4_K: run j holds quants 64c + 32h + 8j .. + 7 at bytes 32h + 8c .. + 7, so every 4-byte lane
// of every run stays inside one 32-element sub-block, the same one in every run.
TEST(Activations, Q4KLaneOrderIsAQwordTransposeInEachBlock) {
  ExpectLaneOrder(ActivationOrder::kQ4KLanes,
                  [](int j, int p) { return 64 * ((p % 32) / 8) + 32 * (p / 32) + 8 * j + p % 8; });
  // The lane map of the AVX-512 Q4_K kernel (kLaneSubBlock in x86/vec_dot_k_avx512.cc).
  ExpectOneSubBlockPerLane(ActivationOrder::kQ4KLanes, 32, {0, 0, 2, 2, 4, 4, 6, 6, 1, 1, 3, 3, 5, 5, 7, 7});
}

// Q6_K: run j holds quants 16k + 4j .. + 3 in lane k: lane k is 16-element sub-block k.
TEST(Activations, Q6KLaneOrderIsADwordTransposeInEachBlock) {
  ExpectLaneOrder(ActivationOrder::kQ6KLanes, [](int j, int p) { return 16 * (p / 4) + 4 * j + p % 4; });
  ExpectOneSubBlockPerLane(ActivationOrder::kQ6KLanes, 16, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
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
