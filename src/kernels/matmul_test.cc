// MatMul end to end on every type and odd shapes: kReference against a naive dequantize-all
// loop, kFast against kReference (8-bit activation error only), and thread-count independence.
#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernels/kernels_test_util.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

struct Shape {
  int64_t rows;
  int64_t col_blocks;  // cols = col_blocks * block (block 32 for the float types)
  int64_t n_tokens;
};

// Rows not a multiple of 4, 8 or the thread count; 1, 3 and 17 tokens.
constexpr Shape kShapes[] = {{1, 1, 1}, {13, 3, 1}, {37, 2, 3}, {29, 5, 17}, {67, 4, 17}};

int64_t ColBlock(GgmlType type) {
  const int64_t block = GetDtype(type).block_elems;
  return block == 1 ? 32 : block;
}

// Bound on ||fast - ref|| / ||ref||, from quantizing activations to 8 bits. Per element the
// rounding error is uniform in +-d/2 with d = amax/127, i.e. rms d/sqrt(12); for N(0,1) inputs
// amax is ~2.3 sigma over 32 elements (Q8_0) and ~3.1 sigma over 256 (Q8_K), so the activations
// carry a relative error of ~0.5% and ~0.7%, which the dot products inherit. Measured (pooled
// over the shapes below, both weight kinds): 5.1e-3 - 5.3e-3 for Q8_0 types, 7.2e-3 - 7.3e-3 for
// Q8_K types, ~8e-8 for float weights (f32 vs double summation only).
double FastErrorBound(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kBF16:
      return 1e-6;
    case GgmlType::kQ2_K:
    case GgmlType::kQ3_K:
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
    case GgmlType::kQ6_K:
    case GgmlType::kIQ4_XS:
      return 1.0e-2;
    default:
      return 7.5e-3;
  }
}

class MatMulTest : public ::testing::TestWithParam<GgmlType> {};

struct Problem {
  MatrixView w;
  std::vector<uint8_t> data;
  std::vector<float> x;  // [n_tokens, cols]
};

// Weights: `realistic` quantizes N(0,1) floats with the type's quantizer (the distribution real
// files have); otherwise random blocks that hit every bit pattern.
Problem MakeProblem(GgmlType type, const Shape& s, bool realistic, std::mt19937& rng) {
  Problem p;
  const int64_t cols = s.col_blocks * ColBlock(type);
  const size_t row_bytes = *RowBytes(type, cols);
  if (realistic) {
    const std::vector<float> wf = test::RandomFloats(s.rows * cols, rng);
    p.data.resize(row_bytes * static_cast<size_t>(s.rows));
    for (int64_t r = 0; r < s.rows; ++r) {
      QuantizeRow(type, wf.data() + r * cols, p.data.data() + r * row_bytes, cols);
    }
  } else {
    p.data = test::RandomRows(type, s.rows, cols, rng);
  }
  p.w = {.type = type, .data = p.data.data(), .cols = cols, .rows = s.rows, .row_bytes = row_bytes};
  p.x = test::RandomFloats(s.n_tokens * cols, rng);
  return p;
}

TEST_P(MatMulTest, ReferenceMatchesNaiveLoop) {
  const GgmlType type = GetParam();
  std::mt19937 rng(7);
  ThreadPool pool(3);
  for (const Shape& s : kShapes) {
    const Problem p = MakeProblem(type, s, false, rng);
    std::vector<float> y(static_cast<size_t>(s.n_tokens * s.rows));
    MatMul(p.w, p.x.data(), s.n_tokens, y.data(), pool, KernelMode::kReference);
    // Dequantize the whole matrix, then the textbook triple loop in double.
    std::vector<float> wf(static_cast<size_t>(s.rows * p.w.cols));
    for (int64_t r = 0; r < s.rows; ++r) {
      DequantizeRow(type, p.data.data() + r * p.w.row_bytes, wf.data() + r * p.w.cols, p.w.cols);
    }
    for (int64_t t = 0; t < s.n_tokens; ++t) {
      for (int64_t n = 0; n < s.rows; ++n) {
        double sum = 0;
        for (int64_t k = 0; k < p.w.cols; ++k) {
          sum += static_cast<double>(wf[n * p.w.cols + k]) * p.x[t * p.w.cols + k];
        }
        ASSERT_EQ(y[t * s.rows + n], static_cast<float>(sum)) << "t=" << t << " n=" << n;
      }
    }
  }
}

// The error is pooled over all shapes (1757 outputs): a single dot product can cancel to near
// zero, which makes its own relative error meaningless.
TEST_P(MatMulTest, FastMatchesReference) {
  const GgmlType type = GetParam();
  std::mt19937 rng(11);
  ThreadPool pool(2);
  double worst = 0;
  for (const bool realistic : {true, false}) {
    std::vector<float> fast_all, ref_all;
    for (const Shape& s : kShapes) {
      const Problem p = MakeProblem(type, s, realistic, rng);
      const size_t n_out = static_cast<size_t>(s.n_tokens * s.rows);
      std::vector<float> fast(n_out), ref(n_out);
      MatMul(p.w, p.x.data(), s.n_tokens, fast.data(), pool, KernelMode::kFast);
      MatMul(p.w, p.x.data(), s.n_tokens, ref.data(), pool, KernelMode::kReference);
      fast_all.insert(fast_all.end(), fast.begin(), fast.end());
      ref_all.insert(ref_all.end(), ref.begin(), ref.end());
    }
    const double err =
        test::RelativeL2(fast_all.data(), ref_all.data(), static_cast<int64_t>(ref_all.size()));
    worst = std::max(worst, err);
    EXPECT_LT(err, FastErrorBound(type)) << "realistic=" << realistic;
  }
  RecordProperty("worst_relative_l2", std::to_string(worst));
  std::printf("  %-7s relative L2 fast vs reference: %.2e\n", std::string(DtypeName(type)).c_str(),
              worst);
}

// Each output is computed by one kernel call whatever the split, so results are bit-identical
// for any thread count and for MatMulSingleThread, in both modes.
TEST_P(MatMulTest, ThreadCountDoesNotChangeResult) {
  const GgmlType type = GetParam();
  std::mt19937 rng(5);
  ThreadPool pool1(1), pool3(3);
  for (const KernelMode mode : {KernelMode::kFast, KernelMode::kReference}) {
    for (const Shape& s : kShapes) {
      const Problem p = MakeProblem(type, s, false, rng);
      const size_t n_out = static_cast<size_t>(s.n_tokens * s.rows);
      std::vector<float> y1(n_out), y3(n_out), ys(n_out);
      MatMul(p.w, p.x.data(), s.n_tokens, y1.data(), pool1, mode);
      MatMul(p.w, p.x.data(), s.n_tokens, y3.data(), pool3, mode);
      MatMulSingleThread(p.w, p.x.data(), s.n_tokens, ys.data(), mode);
      ASSERT_EQ(y1, y3) << "rows=" << s.rows << " tokens=" << s.n_tokens;
      ASSERT_EQ(y1, ys) << "rows=" << s.rows << " tokens=" << s.n_tokens;
    }
  }
}

// Rows longer than row_bytes' minimum (padded rows, as views into larger buffers) are honoured.
TEST(MatMulStrideTest, PaddedRowsUseRowBytes) {
  std::mt19937 rng(3);
  const int64_t rows = 9, cols = 256;
  const size_t packed = *RowBytes(GgmlType::kQ4_K, cols);
  const std::vector<uint8_t> dense = test::RandomRows(GgmlType::kQ4_K, rows, cols, rng);
  const size_t padded = packed + 64;
  std::vector<uint8_t> sparse(padded * rows, 0xAB);
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(sparse.data() + r * padded, dense.data() + r * packed, packed);
  }
  const std::vector<float> x = test::RandomFloats(2 * cols, rng);
  std::vector<float> a(2 * rows), b(2 * rows);
  MatMulSingleThread({GgmlType::kQ4_K, dense.data(), cols, rows, packed}, x.data(), 2, a.data());
  MatMulSingleThread({GgmlType::kQ4_K, sparse.data(), cols, rows, padded}, x.data(), 2, b.data());
  EXPECT_EQ(a, b);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatMulTest, ::testing::ValuesIn(test::kAllTypes),
                         [](const ::testing::TestParamInfo<GgmlType>& param_info) {
                           return std::string(DtypeName(param_info.param));
                         });

}  // namespace
}  // namespace hearth
