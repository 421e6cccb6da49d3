// AVX-512 twins of ref/kv_row_ref.cc: attention's q·k scores and its value sum over f32, f16 and
// Q8_0 rows. Both are small matrix products, a group's query heads against a run of cache rows
// (scores [heads x n] . [n x keys], values [heads x keys] . [keys x n]), so both are
// register-tiled: each loaded row element serves several heads, and each query element or output
// element stays in a register across several rows. The one-row-at-a-time forms were load- and
// store-bound: at 16K tokens of context, E2B decode spent 17% of its time in the AVX2 value sum and
// 10% in the four-head dot (perf, f16 cache).
#include "kernels/kv_row.h"
#include "kernels/x86/avx2_util.h"
#include "kernels/x86/avx512_float_rows.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

using avx512::F16Row;
using avx512::F32Row;
using avx512::FirstLanes;
using avx512::kLanes;

// Runs run.operator()<k>(h) over heads h .. h + k - 1, for k = kWidth while k heads remain, then
// for each smaller power of two at most once: every head once, in the widest tiles that fit.
template <int kWidth, typename Run>
void CoverHeads(int h, int n_heads, const Run& run) {
  for (; h + kWidth <= n_heads; h += kWidth) run.template operator()<kWidth>(h);
  if constexpr (kWidth > 1) CoverHeads<kWidth / 2>(h, n_heads, run);
}

// Prefetches of the rows a later tile reads, spread over the steps of the current one. A K/V row
// is 0.5-2 KiB, too short a stream for the hardware prefetcher to ramp up on: without this, the
// loads of each tile's first lines stalled (perf: the instructions after them took half the
// samples of the score kernel at 16K context). Into L2 (T1), which tracks more misses than L1: 16K
// keys x 8 heads x 512 (7 layers, two threads, the cache cold) took 7.5 ms for scores against 9.0
// with T0; the value sum, 7.3 ms, was the same with either, and 11.5 ms without prefetching.
class NextRows {
 public:
  NextRows(const void* const* rows, int n_rows, int64_t row_bytes, int64_t steps)
      : rows_(rows), n_rows_(n_rows), row_lines_((row_bytes + kLine - 1) / kLine),
        per_step_((n_rows * row_lines_ + steps - 1) / std::max<int64_t>(1, steps)) {}

  // This step's share of the lines.
  void Step() {
    for (int64_t left = per_step_; left > 0 && row_ < n_rows_; --left) {
      _mm_prefetch(static_cast<const char*>(rows_[row_]) + line_ * kLine, _MM_HINT_T1);
      if (++line_ == row_lines_) {
        line_ = 0;
        ++row_;
      }
    }
  }

 private:
  static constexpr int64_t kLine = 64;
  const void* const* rows_;
  int n_rows_;
  int64_t row_lines_, per_step_;
  int row_ = 0;
  int64_t line_ = 0;
};

// --- Scores: tiles of 16 (head, key) sums, one accumulator each. ---------------------------------

// Lane L of the result is the sum of the 16 lanes of acc[L]: four levels of shuffles and adds, each
// halving the partial sums per source, in place of 16 separate horizontal reductions. The tree
// leaves its sources transposed (lane 4k + e sums input 4e + k), so the inputs go in transposed.
inline __m512 SumEachTransposed(const __m512 acc[16]) {
  __m512 v[16];
  for (int i = 0; i < 16; ++i) v[i] = acc[4 * (i % 4) + i / 4];
  // Halves: s[k] holds 8 partials of v[2k] (lanes 0-7) and of v[2k + 1] (lanes 8-15).
  __m512 s[8];
  for (int k = 0; k < 8; ++k) {
    s[k] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], 0x44),
                         _mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], 0xEE));
  }
  // Quarters: quarter k of u[m] holds 4 partials of v[4m + k].
  __m512 u[4];
  for (int m = 0; m < 4; ++m) {
    u[m] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * m], s[2 * m + 1], 0x88),
                         _mm512_shuffle_f32x4(s[2 * m], s[2 * m + 1], 0xDD));
  }
  // Pairs inside each quarter k: elements 0-1 of w[p] are partials of v[8p + k], 2-3 of v[8p + 4 + k].
  __m512 w[2];
  for (int p = 0; p < 2; ++p) {
    w[p] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * p], u[2 * p + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(u[2 * p], u[2 * p + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  // Element e of quarter k: the whole sum of v[4e + k].
  return _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// sums[h * kKeys + j] = q_h · keys[j] for kHeads x kKeys = 16 pairs. Each step loads kHeads query
// vectors and kKeys key vectors for 16 multiply-adds.
template <int kHeads, typename Row>
void ScoreTile(int64_t n, const void* const* keys, const float* q, int64_t q_stride, NextRows next, float* sums) {
  constexpr int kKeys = 16 / kHeads;
  __m512 acc[16];
  for (__m512& a : acc) a = _mm512_setzero_ps();
  auto step = [&](int64_t i, __mmask16 mask) {
    next.Step();
    __m512 qv[kHeads];
    for (int h = 0; h < kHeads; ++h) qv[h] = _mm512_maskz_loadu_ps(mask, q + h * q_stride + i);
    for (int j = 0; j < kKeys; ++j) {
      const __m512 k = Row(keys[j])(i, mask);
      for (int h = 0; h < kHeads; ++h) acc[h * kKeys + j] = _mm512_fmadd_ps(qv[h], k, acc[h * kKeys + j]);
    }
  };
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) step(i, FirstLanes(kLanes));
  if (i < n) step(i, FirstLanes(n - i));
  _mm512_storeu_ps(sums, SumEachTransposed(acc));
}

// A score tile is short (32 steps at head dim 512), so its prefetches run 4 tiles ahead (16 was
// no better with T1; with T0, 1 to 16 made no clear difference).
constexpr int kScoreTilesAhead = 4;

// Keys j_begin .. j_end - 1 against kHeads heads, kKeys keys per tile; a short last tile repeats
// its last key and drops those sums. Prefetches look ahead in keys 0 .. prefetch_keys - 1 (0: no
// prefetching, for the head groups after the first, whose keys the first group already asked for).
template <int kHeads, typename Row>
void ScoreHeads(int64_t n, int j_begin, int j_end, int prefetch_keys, const void* const* keys, const float* q,
                int64_t q_stride, float* scores, int64_t score_stride) {
  constexpr int kKeys = 16 / kHeads;
  for (int j0 = j_begin; j0 < j_end; j0 += kKeys) {
    const int valid = std::min(kKeys, j_end - j0);
    const void* tile[kKeys];
    for (int j = 0; j < kKeys; ++j) tile[j] = keys[j0 + std::min(j, valid - 1)];
    const int next = std::min(prefetch_keys, j0 + kScoreTilesAhead * kKeys);
    const NextRows next_rows(keys + next, std::min(kKeys, prefetch_keys - next), Row::RowBytes(n),
                             (n + kLanes - 1) / kLanes);
    float sums[16];
    ScoreTile<kHeads, Row>(n, tile, q, q_stride, next_rows, sums);
    for (int h = 0; h < kHeads; ++h) {
      for (int j = 0; j < valid; ++j) scores[h * score_stride + j0 + j] = sums[h * kKeys + j];
    }
  }
}

// Keys in blocks of 16 (a whole number of tiles of every shape), and inside each block the heads
// four at a time (4 x 4 tiles), then a pair (2 x 8), then one (1 x 16): every head group meets a
// key while it is still in L1, so a group of 8 heads reads each key from memory once, not twice.
template <typename Row>
void Scores(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
            float* scores, int64_t score_stride) {
  constexpr int kKeysPerBlock = 16;
  for (int j0 = 0; j0 < n_keys; j0 += kKeysPerBlock) {
    const int j_end = std::min(n_keys, j0 + kKeysPerBlock);
    CoverHeads<4>(0, n_heads, [&]<int kHeads>(int h) {
      ScoreHeads<kHeads, Row>(n, j0, j_end, h == 0 ? n_keys : 0, keys, q + h * q_stride, q_stride,
                              scores + h * score_stride, score_stride);
    });
  }
}

// 16 elements of a Q8_0 row as floats, d * q: the block scale is applied to the row once for all
// the heads it meets (the scalar twins scale each head's weight, or dot with d outside the sum).
// i is a multiple of 16 below n (n is a multiple of 32, so no step of the kernels is partial).
struct Q8_0Row {
  const BlockQ8_0* p;
  explicit Q8_0Row(const void* row) : p(static_cast<const BlockQ8_0*>(row)) {}
  static int64_t RowBytes(int64_t n) { return n / kQK * static_cast<int64_t>(sizeof(BlockQ8_0)); }
  __m512 operator()(int64_t i, __mmask16 mask) const {
    const BlockQ8_0& block = p[i / kQK];
    const __m128i q = _mm_maskz_loadu_epi8(mask, block.qs + i % kQK);
    return _mm512_mul_ps(_mm512_set1_ps(avx2::HalfToFloat(block.d)), _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)));
  }
};

// --- Value sum: tiles of kHeads outputs x 32 elements in registers across kRowsPerTile rows. -------

// 16 rows of f16 values at head dim 512 are 16 KiB: the tile's rows stay in L1 while its 32-element
// column steps walk them, and each output element is loaded and stored once per 16 rows.
constexpr int kRowsPerTile = 16;
constexpr int kElementsPerStep = 2 * kLanes;

template <int kHeads, typename Row>
void AxpyHeads(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
               float* const* outs) {
  for (int r0 = 0; r0 < n_rows; r0 += kRowsPerTile) {
    const int r_end = std::min(n_rows, r0 + kRowsPerTile);
    NextRows next(rows + r_end, std::min(kRowsPerTile, n_rows - r_end), Row::RowBytes(n),
                  (n + kElementsPerStep - 1) / kElementsPerStep);
    for (int64_t i = 0; i < n; i += kElementsPerStep) {
      next.Step();
      // The second half starts at i2; where it is empty (m1 == 0), i2 = n keeps its pointers
      // within one past the end.
      const __mmask16 m0 = FirstLanes(n - i), m1 = FirstLanes(n - i - kLanes);
      const int64_t i2 = std::min(i + kLanes, n);
      __m512 acc[kHeads][2];
      for (int h = 0; h < kHeads; ++h) {
        acc[h][0] = _mm512_maskz_loadu_ps(m0, outs[h] + i);
        acc[h][1] = _mm512_maskz_loadu_ps(m1, outs[h] + i2);
      }
      for (int r = r0; r < r_end; ++r) {
        const __m512 v[2] = {Row(rows[r])(i, m0), Row(rows[r])(i2, m1)};
        for (int h = 0; h < kHeads; ++h) {
          const __m512 w = _mm512_set1_ps(weights[h * weight_stride + r]);
          acc[h][0] = _mm512_fmadd_ps(w, v[0], acc[h][0]);
          acc[h][1] = _mm512_fmadd_ps(w, v[1], acc[h][1]);
        }
      }
      for (int h = 0; h < kHeads; ++h) {
        _mm512_mask_storeu_ps(outs[h] + i, m0, acc[h][0]);
        _mm512_mask_storeu_ps(outs[h] + i2, m1, acc[h][1]);
      }
    }
  }
}

// Heads eight at a time (16 accumulators), then 4, 2 and 1 for the rest.
template <typename Row>
void Axpy(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride, int n_out,
          float* const* outs) {
  CoverHeads<8>(0, n_out, [&]<int kHeads>(int h) {
    AxpyHeads<kHeads, Row>(n, n_rows, rows, weights + h * weight_stride, weight_stride, outs + h);
  });
}

}  // namespace

void ScoreRowsF32Avx512(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                        int n_heads, float* scores, int64_t score_stride) {
  Scores<F32Row>(n, n_keys, keys, q, q_stride, n_heads, scores, score_stride);
}

void ScoreRowsF16Avx512(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                        int n_heads, float* scores, int64_t score_stride) {
  Scores<F16Row>(n, n_keys, keys, q, q_stride, n_heads, scores, score_stride);
}

void ScoreRowsQ8_0Avx512(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                         int n_heads, float* scores, int64_t score_stride) {
  Scores<Q8_0Row>(n, n_keys, keys, q, q_stride, n_heads, scores, score_stride);
}

void AxpyRowF32Avx512(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                      int n_out, float* const* outs) {
  Axpy<F32Row>(n, n_rows, rows, weights, weight_stride, n_out, outs);
}

void AxpyRowF16Avx512(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                      int n_out, float* const* outs) {
  Axpy<F16Row>(n, n_rows, rows, weights, weight_stride, n_out, outs);
}

void AxpyRowQ8_0Avx512(int64_t n, int n_rows, const void* const* rows, const float* weights,
                       int64_t weight_stride, int n_out, float* const* outs) {
  Axpy<Q8_0Row>(n, n_rows, rows, weights, weight_stride, n_out, outs);
}

}  // namespace hearth
