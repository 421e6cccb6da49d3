// Test-only helpers shared by the kernels tests and benchmarks: random weight rows for every
// computable type (random bytes with sane scale fields, so every bit pattern of the quants is
// exercised) and error measures. Not part of the library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "base/fp16.h"
#include "quant/block_formats.h"
#include "tensor/dtype.h"

namespace hearth::test {

// Every type MatMul computes with; block geometry comes from GetDtype.
inline constexpr GgmlType kAllTypes[] = {
    GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ8_0,   GgmlType::kQ4_0,
    GgmlType::kQ4_1, GgmlType::kQ5_0, GgmlType::kQ5_1, GgmlType::kQ2_K,   GgmlType::kQ3_K,
    GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K, GgmlType::kIQ4_NL, GgmlType::kIQ4_XS};

inline std::vector<float> RandomFloats(int64_t n, std::mt19937& rng, float sigma = 1.0f) {
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) {
    f = dist(rng);
    if (f == 0.0f) f = 1e-3f;  // inputs are non-zero by contract of the tests
  }
  return v;
}

// f16 bits of a random scale in [lo, hi), negated half the time when `signed_scale`.
inline uint16_t RandomScale(std::mt19937& rng, float lo, float hi, bool signed_scale) {
  std::uniform_real_distribution<float> dist(lo, hi);
  float v = dist(rng);
  if (signed_scale && (rng() & 1)) v = -v;
  return F32ToF16(v);
}

template <typename Block, typename Fix>
void FixBlocks(uint8_t* data, int64_t n_blocks, Fix fix) {
  for (int64_t b = 0; b < n_blocks; ++b) {
    Block blk;
    std::memcpy(&blk, data + b * sizeof(Block), sizeof(Block));
    fix(blk);
    std::memcpy(data + b * sizeof(Block), &blk, sizeof(Block));
  }
}

// `rows` random rows of `cols` elements of `type`, row after row (RowBytes(type, cols) each).
// Float types hold N(0, 1) values; quantized types hold random bytes whose f16 scales are
// replaced by values that keep dequantized weights around 0.1 .. 1.
inline std::vector<uint8_t> RandomRows(GgmlType type, int64_t rows, int64_t cols,
                                       std::mt19937& rng) {
  const DtypeInfo& info = GetDtype(type);
  const int64_t n_blocks = rows * cols / info.block_elems;
  std::vector<uint8_t> data(static_cast<size_t>(n_blocks * info.block_bytes));
  if (type == GgmlType::kF32 || type == GgmlType::kF16 || type == GgmlType::kBF16) {
    const std::vector<float> f = RandomFloats(rows * cols, rng);
    for (size_t i = 0; i < f.size(); ++i) {
      if (type == GgmlType::kF32) {
        std::memcpy(data.data() + 4 * i, &f[i], 4);
      } else {
        const uint16_t h = type == GgmlType::kF16 ? F32ToF16(f[i]) : F32ToBf16(f[i]);
        std::memcpy(data.data() + 2 * i, &h, 2);
      }
    }
    return data;
  }
  for (uint8_t& byte : data) byte = static_cast<uint8_t>(rng());
  uint8_t* p = data.data();
  const auto d32 = [&rng] { return RandomScale(rng, 0.02f, 0.1f, true); };
  const auto dk = [&rng] { return RandomScale(rng, 0.002f, 0.01f, false); };
  switch (type) {
    case GgmlType::kQ8_0:
      FixBlocks<BlockQ8_0>(p, n_blocks,
                           [&](BlockQ8_0& b) { b.d = RandomScale(rng, 0.002f, 0.01f, true); });
      break;
    case GgmlType::kQ4_0:
      FixBlocks<BlockQ4_0>(p, n_blocks, [&](BlockQ4_0& b) { b.d = d32(); });
      break;
    case GgmlType::kQ4_1:
      FixBlocks<BlockQ4_1>(p, n_blocks, [&](BlockQ4_1& b) {
        b.d = d32();
        b.m = d32();
      });
      break;
    case GgmlType::kQ5_0:
      FixBlocks<BlockQ5_0>(p, n_blocks, [&](BlockQ5_0& b) { b.d = d32(); });
      break;
    case GgmlType::kQ5_1:
      FixBlocks<BlockQ5_1>(p, n_blocks, [&](BlockQ5_1& b) {
        b.d = d32();
        b.m = d32();
      });
      break;
    case GgmlType::kIQ4_NL:
      FixBlocks<BlockIQ4_NL>(p, n_blocks,
                             [&](BlockIQ4_NL& b) { b.d = RandomScale(rng, 0.002f, 0.01f, true); });
      break;
    case GgmlType::kQ2_K:
      FixBlocks<BlockQ2_K>(p, n_blocks, [&](BlockQ2_K& b) {
        b.d = dk();
        b.dmin = dk();
      });
      break;
    case GgmlType::kQ3_K:
      FixBlocks<BlockQ3_K>(p, n_blocks, [&](BlockQ3_K& b) { b.d = dk(); });
      break;
    case GgmlType::kQ4_K:
      FixBlocks<BlockQ4_K>(p, n_blocks, [&](BlockQ4_K& b) {
        b.d = dk();
        b.dmin = dk();
      });
      break;
    case GgmlType::kQ5_K:
      FixBlocks<BlockQ5_K>(p, n_blocks, [&](BlockQ5_K& b) {
        b.d = dk();
        b.dmin = dk();
      });
      break;
    case GgmlType::kQ6_K:
      FixBlocks<BlockQ6_K>(p, n_blocks,
                           [&](BlockQ6_K& b) { b.d = RandomScale(rng, 0.0002f, 0.001f, true); });
      break;
    case GgmlType::kIQ4_XS:
      FixBlocks<BlockIQ4_XS>(
          p, n_blocks, [&](BlockIQ4_XS& b) { b.d = RandomScale(rng, 0.0002f, 0.001f, true); });
      break;
    default:
      break;
  }
  return data;
}

// ||a - b|| / ||b|| over n values, in double.
inline double RelativeL2(const float* a, const float* b, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    num += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    den += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

}  // namespace hearth::test
