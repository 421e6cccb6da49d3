#include "kernels/gelu_numerics.h"

#include <array>
#include <atomic>
#include <memory>

#include "base/fp16.h"
#include "kernels/ops.h"

namespace hearth {
namespace {

std::atomic<GeluNumerics> g_numerics{GeluNumerics::kExact};

// Entry h: Gelu(f16 value h) rounded to f16, for all 65536 half bit patterns (128 KiB).
const std::array<uint16_t, 1 << 16>& GgmlGeluTable() {
  static const std::unique_ptr<std::array<uint16_t, 1 << 16>> table = [] {
    auto t = std::make_unique<std::array<uint16_t, 1 << 16>>();
    for (uint32_t h = 0; h < t->size(); ++h) (*t)[h] = F32ToF16(Gelu(F16ToF32(static_cast<uint16_t>(h))));
    return t;
  }();
  return *table;
}

}  // namespace

void SetGeluNumerics(GeluNumerics numerics) { g_numerics.store(numerics, std::memory_order_relaxed); }

GeluNumerics CurrentGeluNumerics() { return g_numerics.load(std::memory_order_relaxed); }

float GeluGgmlF16Table(float x) {
  // The cut-offs compare the f32 input, before rounding (as ggml does).
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return F16ToF32(GgmlGeluTable()[F32ToF16(x)]);
}

void GeluMulGgmlF16Table(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = GeluGgmlF16Table(gate[i]) * up[i];
}

}  // namespace hearth
