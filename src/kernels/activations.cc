#include "kernels/activations.h"

#include <cstring>

#include "base/check.h"
#include "kernels/dispatch.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

// p[s] = d * (bsums[2s] + bsums[2s + 1]) for every 32-element sub-block of every block.
void WritePairSums(const uint8_t* blocks_bytes, int64_t n, float* p) {
  const auto* blocks = reinterpret_cast<const BlockQ8_K*>(blocks_bytes);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    for (int s = 0; s < kQK_K / kQK; ++s) {
      const int sum = blocks[b].bsums[2 * s] + blocks[b].bsums[2 * s + 1];
      p[b * (kQK_K / kQK) + s] = blocks[b].d * static_cast<float>(sum);
    }
  }
}

}  // namespace

size_t ActivationRowBytes(GgmlType act_type, int64_t n) {
  const std::optional<size_t> blocks = RowBytes(act_type, n);
  HEARTH_CHECK(blocks.has_value(), "activation row of %lld elements does not fit type %u",
               static_cast<long long>(n), static_cast<unsigned>(act_type));
  if (act_type != GgmlType::kQ8_K) return *blocks;
  return *blocks + static_cast<size_t>(n / kQK) * sizeof(float);
}

void PrepareActivationRow(GgmlType act_type, const float* x, uint8_t* out, int64_t n) {
  if (act_type == GgmlType::kF32) {
    std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  FindActivationQuantizer(act_type)(x, out, n);
  if (act_type == GgmlType::kQ8_K) {
    WritePairSums(out, n, reinterpret_cast<float*>(out + *RowBytes(act_type, n)));
  }
}

}  // namespace hearth
