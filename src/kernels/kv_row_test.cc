// The attention row kernels (kv_row.h) of each K/V cache type: every SIMD value-sum kernel against
// its scalar twin on random non-zero rows, the scalar twins against the dequantized row, and the
// q·k kernels FindKvRowKernels hands out against the dot of the dequantized rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/kernels_test_util.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

constexpr GgmlType kCacheTypes[] = {GgmlType::kF32, GgmlType::kF16, GgmlType::kQ8_0};

// A cache row of n values: random N(0, 1) floats stored as `type`.
std::vector<uint8_t> CacheRow(GgmlType type, int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> row(*RowBytes(type, n));
  QuantizeRow(type, test::RandomFloats(n, rng).data(), row.data(), n);
  return row;
}

class KvRowTest : public ::testing::TestWithParam<GgmlType> {};

// Three heads' outputs, each with its own weight per row (GQA: V rows shared by several query
// heads); 6 rows, so the AVX2 kernel runs a full pass of 4 and a partial one of 2.
constexpr int kHeads = 3;
constexpr int kRows = 6;

struct AxpyCase {
  std::vector<std::vector<uint8_t>> rows;   // kRows rows of the cache type
  std::vector<std::vector<float>> values;   // the same, dequantized
  std::vector<float> weights;               // [kHeads, kRows]
  std::vector<std::vector<float>> outs;     // kHeads outputs
};

AxpyCase RandomCase(GgmlType type, int64_t n, std::mt19937& rng) {
  AxpyCase c;
  std::uniform_real_distribution<float> pick(0.01f, 1.0f);
  for (int r = 0; r < kRows; ++r) {
    c.rows.push_back(CacheRow(type, n, rng));
    c.values.emplace_back(static_cast<size_t>(n));
    DequantizeRow(type, c.rows.back().data(), c.values.back().data(), n);
  }
  for (int i = 0; i < kHeads * kRows; ++i) c.weights.push_back(pick(rng));
  for (int h = 0; h < kHeads; ++h) c.outs.push_back(test::RandomFloats(n, rng));
  return c;
}

void Accumulate(const KvRowKernels& k, int64_t n, AxpyCase& c) {
  const void* rows[kRows];
  for (int r = 0; r < kRows; ++r) rows[r] = c.rows[static_cast<size_t>(r)].data();
  float* outs[kHeads];
  for (int h = 0; h < kHeads; ++h) outs[h] = c.outs[static_cast<size_t>(h)].data();
  k.axpy(n, kRows, rows, c.weights.data(), kRows, kHeads, outs);
}

TEST_P(KvRowTest, ScalarAxpyAddsTheDequantizedRows) {
  const GgmlType type = GetParam();
  const KvRowKernels* k = FindKvRowKernels(type, KernelIsa::kScalar);
  ASSERT_NE(k, nullptr);
  std::mt19937 rng(5);
  for (const int64_t n : {32, 256, 512}) {
    AxpyCase c = RandomCase(type, n, rng);
    const std::vector<std::vector<float>> before = c.outs;
    Accumulate(*k, n, c);
    for (size_t h = 0; h < kHeads; ++h) {
      for (size_t i = 0; i < before[h].size(); ++i) {
        double want = before[h][i], magnitude = std::fabs(before[h][i]);
        for (size_t r = 0; r < kRows; ++r) {
          const double term = static_cast<double>(c.weights[h * kRows + r]) * c.values[r][i];
          want += term;
          magnitude += std::fabs(term);
        }
        EXPECT_NEAR(c.outs[h][i], want, 2e-6 * magnitude) << "n=" << n << " head " << h << " i=" << i;
      }
    }
  }
}

TEST_P(KvRowTest, SimdAxpyMatchesScalar) {
  const GgmlType type = GetParam();
  const KvRowKernels* scalar = FindKvRowKernels(type, KernelIsa::kScalar);
  const KvRowKernels* simd = FindKvRowKernels(type, KernelIsa::kAvx2);
  if (simd == nullptr) GTEST_SKIP() << "no AVX2 on this CPU";
  ASSERT_NE(simd->axpy, scalar->axpy);
  std::mt19937 rng(11);
  for (const int64_t n : {32, 64, 256, 512}) {
    for (int trial = 0; trial < 10; ++trial) {
      AxpyCase ref = RandomCase(type, n, rng);
      AxpyCase got = ref;
      Accumulate(*scalar, n, ref);
      Accumulate(*simd, n, got);
      // Fused multiply-adds against multiplies and adds: a few roundings of the sum's terms apart.
      for (size_t h = 0; h < kHeads; ++h) {
        for (size_t i = 0; i < ref.outs[h].size(); ++i) {
          double magnitude = std::fabs(got.outs[h][i]);
          for (size_t r = 0; r < kRows; ++r) magnitude += std::fabs(ref.weights[h * kRows + r] * ref.values[r][i]);
          EXPECT_NEAR(got.outs[h][i], ref.outs[h][i], 2e-6 * magnitude) << "n=" << n << " head " << h << " i=" << i;
        }
      }
    }
  }
}

// q·k as attention computes it: the dot kernel of the cache type on the query in that kernel's
// activation format, SIMD and scalar, against the double dot of the dequantized rows.
TEST_P(KvRowTest, DotsMatchTheDequantizedRows) {
  const GgmlType type = GetParam();
  std::mt19937 rng(23);
  for (const KernelIsa isa : {KernelIsa::kScalar, KernelIsa::kAvx2}) {
    const KvRowKernels* k = FindKvRowKernels(type, isa);
    if (k == nullptr) continue;
    for (const int64_t n : {64, 256, 512}) {
      const std::vector<uint8_t> key = CacheRow(type, n, rng);
      const std::vector<float> q = test::RandomFloats(n, rng);
      std::vector<uint8_t> qa(*RowBytes(k->dot.act_type, n));
      QuantizeRow(k->dot.act_type, q.data(), qa.data(), n);
      std::vector<float> kf(static_cast<size_t>(n)), qf(static_cast<size_t>(n));
      DequantizeRow(type, key.data(), kf.data(), n);
      DequantizeRow(k->dot.act_type, qa.data(), qf.data(), n);
      double exact = 0, scale = 0;
      for (size_t i = 0; i < kf.size(); ++i) {
        exact += static_cast<double>(kf[i]) * qf[i];
        scale += std::fabs(static_cast<double>(kf[i]) * qf[i]);
      }
      EXPECT_NEAR(k->dot.fn(n, key.data(), qa.data()), exact, 1e-5 * scale) << "n=" << n;
    }
  }
}

TEST(KvRowKernels, OnlyCacheTypesHaveKernels) {
  EXPECT_EQ(FindKvRowKernels(GgmlType::kQ4_K), nullptr);
  EXPECT_EQ(FindKvRowKernels(GgmlType::kF32, KernelIsa::kAvx512), nullptr);
  EXPECT_EQ(FindKvRowKernels(GgmlType::kQ8_0)->dot.act_type, GgmlType::kQ8_0);
  EXPECT_EQ(FindKvRowKernels(GgmlType::kF16)->dot.act_type, GgmlType::kF32);
}

INSTANTIATE_TEST_SUITE_P(CacheTypes, KvRowTest, ::testing::ValuesIn(kCacheTypes),
                         [](const ::testing::TestParamInfo<GgmlType>& p) { return std::string(DtypeName(p.param)); });

}  // namespace
}  // namespace hearth
