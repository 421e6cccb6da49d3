// The attention row kernels (kv_row.h) of each K/V cache type: every SIMD value-sum kernel against
// its scalar twin on random non-zero rows, the scalar twins against the dequantized row, and the
// q·k kernels FindKvRowKernels hands out (key by key, and the many-keys score kernels) against the
// dot of the dequantized rows.
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

// Heads' outputs, each with its own weight per row (GQA: V rows shared by several query heads).
struct AxpyCase {
  int heads = 0, n_rows = 0;
  std::vector<std::vector<uint8_t>> rows;   // n_rows rows of the cache type
  std::vector<std::vector<float>> values;   // the same, dequantized
  std::vector<float> weights;               // [heads, n_rows]
  std::vector<std::vector<float>> outs;     // heads outputs
};

AxpyCase RandomCase(GgmlType type, int64_t n, int heads, int n_rows, std::mt19937& rng) {
  AxpyCase c;
  c.heads = heads;
  c.n_rows = n_rows;
  std::uniform_real_distribution<float> pick(0.01f, 1.0f);
  for (int r = 0; r < n_rows; ++r) {
    c.rows.push_back(CacheRow(type, n, rng));
    c.values.emplace_back(static_cast<size_t>(n));
    DequantizeRow(type, c.rows.back().data(), c.values.back().data(), n);
  }
  for (int i = 0; i < heads * n_rows; ++i) c.weights.push_back(pick(rng));
  for (int h = 0; h < heads; ++h) c.outs.push_back(test::RandomFloats(n, rng));
  return c;
}

void Accumulate(const KvRowKernels& k, int64_t n, AxpyCase& c) {
  std::vector<const void*> rows;
  for (const auto& row : c.rows) rows.push_back(row.data());
  std::vector<float*> outs;
  for (auto& out : c.outs) outs.push_back(out.data());
  k.axpy(n, c.n_rows, rows.data(), c.weights.data(), c.n_rows, c.heads, outs.data());
}

// |before| + Σ_r |weight * value|: the scale of one output element's rounding errors.
double Magnitude(const AxpyCase& c, float before, size_t h, size_t i) {
  double magnitude = std::fabs(before);
  for (size_t r = 0; r < c.values.size(); ++r) {
    magnitude += std::fabs(static_cast<double>(c.weights[h * c.values.size() + r]) * c.values[r][i]);
  }
  return magnitude;
}

TEST_P(KvRowTest, ScalarAxpyAddsTheDequantizedRows) {
  const GgmlType type = GetParam();
  const KvRowKernels* k = FindKvRowKernels(type, KernelIsa::kScalar);
  ASSERT_NE(k, nullptr);
  std::mt19937 rng(5);
  for (const int64_t n : {32, 256, 512}) {
    AxpyCase c = RandomCase(type, n, 3, 6, rng);
    const std::vector<std::vector<float>> before = c.outs;
    Accumulate(*k, n, c);
    for (size_t h = 0; h < before.size(); ++h) {
      for (size_t i = 0; i < before[h].size(); ++i) {
        double want = before[h][i];
        for (size_t r = 0; r < c.values.size(); ++r) {
          want += static_cast<double>(c.weights[h * c.values.size() + r]) * c.values[r][i];
        }
        EXPECT_NEAR(c.outs[h][i], want, 2e-6 * Magnitude(c, before[h][i], h, i))
            << "n=" << n << " head " << h << " i=" << i;
      }
    }
  }
}

// Sizes that reach every tile and tail of the SIMD kernels: AVX2 passes of 4 rows (6 = 4 + 2,
// 22 = 5 x 4 + 2), AVX-512 tiles of 16 rows (22 = 16 + 6) and of 8, 4, 2 and 1 heads (3 = 2 + 1,
// 11 = 8 + 2 + 1, 4), and for float rows element counts that end inside a 32-element step.
TEST_P(KvRowTest, SimdAxpyMatchesScalar) {
  const GgmlType type = GetParam();
  const KvRowKernels* scalar = FindKvRowKernels(type, KernelIsa::kScalar);
  std::vector<int64_t> sizes = {32, 64, 256, 512};
  if (type != GgmlType::kQ8_0) sizes.insert(sizes.end(), {8, 24, 40});
  int checked = 0;
  for (const KernelIsa isa : {KernelIsa::kAvx2, KernelIsa::kAvx512}) {
    const KvRowKernels* simd = FindKvRowKernels(type, isa);
    if (simd == nullptr) continue;
    ASSERT_NE(simd->axpy, scalar->axpy);
    std::mt19937 rng(11);
    for (const int64_t n : sizes) {
      for (const auto& [heads, n_rows] : {std::pair{3, 6}, std::pair{11, 22}, std::pair{4, 1}}) {
        AxpyCase ref = RandomCase(type, n, heads, n_rows, rng);
        AxpyCase got = ref;
        const std::vector<std::vector<float>> before = ref.outs;
        Accumulate(*scalar, n, ref);
        Accumulate(*simd, n, got);
        // Fused multiply-adds against multiplies and adds: a few roundings of the sum's terms apart.
        for (size_t h = 0; h < before.size(); ++h) {
          for (size_t i = 0; i < before[h].size(); ++i) {
            EXPECT_NEAR(got.outs[h][i], ref.outs[h][i], 2e-6 * Magnitude(ref, before[h][i], h, i))
                << "isa " << static_cast<int>(isa) << " n=" << n << " heads " << heads << " rows " << n_rows
                << " head " << h << " i=" << i;
          }
        }
        ++checked;
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no AVX2 on this CPU";
}

// The many-keys score kernels (f32 q, every cache type) against one dot per (head, key) of the
// dequantized rows, for head counts that take every tile shape (4 x 4, 2 x 8, 1 x 16), key counts
// that end inside a tile, and float lengths that end inside a 16-element step.
TEST_P(KvRowTest, ScoresMatchTheDequantizedRows) {
  const GgmlType type = GetParam();
  // The AVX2 set has no score kernel: its q·k goes key by key (DotsMatchTheDequantizedRows).
  const KvRowKernels* avx2 = FindKvRowKernels(type, KernelIsa::kAvx2);
  EXPECT_TRUE(avx2 == nullptr || avx2->scores == nullptr);
  std::vector<int64_t> sizes = {32, 64, 256, 512};
  if (type != GgmlType::kQ8_0) sizes.insert(sizes.end(), {7, 16, 40});
  std::mt19937 rng(29);
  for (const KernelIsa isa : {KernelIsa::kScalar, KernelIsa::kAvx512}) {
    const KvRowKernels* k = FindKvRowKernels(type, isa);
    if (k == nullptr) continue;
    ASSERT_NE(k->scores, nullptr);
    for (const int64_t n : sizes) {
      for (const int heads : {1, 2, 3, 4, 7, 8}) {
        for (const int n_keys : {1, 5, 16, 37}) {
          std::vector<std::vector<uint8_t>> keys;
          std::vector<std::vector<float>> key_values;
          std::vector<const void*> key_rows;
          for (int j = 0; j < n_keys; ++j) {
            keys.push_back(CacheRow(type, n, rng));
            key_values.emplace_back(static_cast<size_t>(n));
            DequantizeRow(type, keys.back().data(), key_values.back().data(), n);
          }
          for (const auto& key : keys) key_rows.push_back(key.data());
          const int64_t q_stride = n + 3, score_stride = n_keys + 2;
          const std::vector<float> q = test::RandomFloats(heads * q_stride, rng);
          std::vector<float> scores(static_cast<size_t>(heads * score_stride), -1.0f);
          k->scores(n, n_keys, key_rows.data(), q.data(), q_stride, heads, scores.data(), score_stride);
          for (int h = 0; h < heads; ++h) {
            for (int j = 0; j < n_keys; ++j) {
              double exact = 0, scale = 0;
              for (int64_t i = 0; i < n; ++i) {
                const double term = static_cast<double>(q[static_cast<size_t>(h * q_stride + i)]) *
                                    key_values[static_cast<size_t>(j)][static_cast<size_t>(i)];
                exact += term;
                scale += std::fabs(term);
              }
              EXPECT_NEAR(scores[static_cast<size_t>(h * score_stride + j)], exact, 1e-5 * scale)
                  << "isa " << static_cast<int>(isa) << " n=" << n << " heads " << heads << " keys " << n_keys
                  << " head " << h << " key " << j;
            }
            // The gap between rows of scores is left alone.
            for (int64_t j = n_keys; j < score_stride; ++j) {
              EXPECT_EQ(scores[static_cast<size_t>(h * score_stride + j)], -1.0f);
            }
          }
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
  // The AVX-512 set exists exactly where the AVX-512 dot kernels do.
  EXPECT_EQ(FindKvRowKernels(GgmlType::kF32, KernelIsa::kAvx512) != nullptr,
            FindVecDot(GgmlType::kQ4_K, KernelIsa::kAvx512) != nullptr);
  EXPECT_EQ(FindKvRowKernels(GgmlType::kQ8_0)->dot.act_type, GgmlType::kQ8_0);
  EXPECT_NE(FindKvRowKernels(GgmlType::kQ8_0, KernelIsa::kScalar)->scores, nullptr);
  EXPECT_EQ(FindKvRowKernels(GgmlType::kF16)->dot.act_type, GgmlType::kF32);
}

INSTANTIATE_TEST_SUITE_P(CacheTypes, KvRowTest, ::testing::ValuesIn(kCacheTypes),
                         [](const ::testing::TestParamInfo<GgmlType>& p) { return std::string(DtypeName(p.param)); });

}  // namespace
}  // namespace hearth
