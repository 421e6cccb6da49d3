#include "kernels/activations.h"

#include <array>
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

// Where each byte of a lane-order block comes from: lane_order.qs[i] = natural.qs[source[i]].
// Byte p of 64-byte run j (i = 64j + p) is natural element:
//  - kQ4KLanes: 64 * ((p % 32) / 8) + 32 * (p / 32) + 8j + p % 8 (qword 8c + 4h + j moved to
//    8j + 4h + c);
//  - kQ6KLanes: 16 * (p / 4) + 4j + p % 4 (dword 4k + j moved to 16j + k).
using LaneSource = std::array<uint8_t, kQK_K>;
constexpr LaneSource MakeLaneSource(ActivationOrder order) {
  LaneSource source{};
  for (int j = 0; j < 4; ++j) {
    for (int p = 0; p < 64; ++p) {
      int element = 64 * j + p;  // kNatural
      if (order == ActivationOrder::kQ4KLanes) element = 64 * ((p % 32) / 8) + 32 * (p / 32) + 8 * j + p % 8;
      if (order == ActivationOrder::kQ6KLanes) element = 16 * (p / 4) + 4 * j + p % 4;
      source[static_cast<size_t>(64 * j + p)] = static_cast<uint8_t>(element);
    }
  }
  return source;
}
constexpr LaneSource kQ4KLaneSource = MakeLaneSource(ActivationOrder::kQ4KLanes);
constexpr LaneSource kQ6KLaneSource = MakeLaneSource(ActivationOrder::kQ6KLanes);

void ToLaneOrder(const LaneSource& source, uint8_t* blocks_bytes, int64_t n) {
  auto* blocks = reinterpret_cast<BlockQ8_K*>(blocks_bytes);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t natural[kQK_K];
    std::memcpy(natural, blocks[b].qs, sizeof(natural));
    for (size_t i = 0; i < source.size(); ++i) blocks[b].qs[i] = natural[source[i]];
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

void PrepareActivationRow(GgmlType act_type, const float* x, uint8_t* out, int64_t n,
                          ActivationOrder order) {
  HEARTH_CHECK(order == ActivationOrder::kNatural || act_type == GgmlType::kQ8_K,
               "activation order for type %u must be natural", static_cast<unsigned>(act_type));
  if (act_type == GgmlType::kF32) {
    std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  FindActivationQuantizer(act_type)(x, out, n);
  if (act_type == GgmlType::kQ8_K) {
    WritePairSums(out, n, reinterpret_cast<float*>(out + *RowBytes(act_type, n)));
    if (order != ActivationOrder::kNatural) {
      ToLaneOrder(order == ActivationOrder::kQ4KLanes ? kQ4KLaneSource : kQ6KLaneSource, out, n);
    }
  }
}

}  // namespace hearth
