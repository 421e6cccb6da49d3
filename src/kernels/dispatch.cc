// Kernel selection: one table row per weight type names its activation format and its scalar,
// AVX2 and AVX-512 dot kernels; FindVecDot resolves the row against the CPU once.
#include "kernels/dispatch.h"

#include <array>
#include <cstdlib>
#include <cstring>

#include "base/check.h"
#include "base/cpu_features.h"
#include "kernels/ops_simd.h"

namespace hearth {
namespace {

struct KernelRow {
  GgmlType type;
  GgmlType act_type;
  VecDotFn scalar;             // never null
  VecDotFn avx2;               // null: this type uses the scalar kernel everywhere
  VecDot4Fn avx2_4 = nullptr;  // four-token twin of avx2 (prefill), optional
  VecDotFn avx512 = nullptr;   // null: AVX-512 CPUs use the AVX2 kernel
  VecDot4Fn avx512_4 = nullptr;
  VecDot8Fn avx512_8 = nullptr;
  ActivationOrder avx512_order = ActivationOrder::kNatural;  // the scalar and AVX2 kernels' is natural
  bool avx512_prefetches = false;  // VecDotKernel::fn_prefetches of the AVX-512 kernel
};

constexpr std::array kKernelRows = {
    KernelRow{GgmlType::kF32, GgmlType::kF32, VecDotF32Ref, VecDotF32Avx2, nullptr, VecDotF32Avx512,
              VecDot4F32Avx512},
    KernelRow{GgmlType::kF16, GgmlType::kF32, VecDotF16Ref, VecDotF16Avx2, nullptr, VecDotF16Avx512,
              VecDot4F16Avx512},
    KernelRow{GgmlType::kBF16, GgmlType::kF32, VecDotBF16Ref, VecDotBF16Avx2},
    KernelRow{GgmlType::kQ8_0, GgmlType::kQ8_0, VecDotQ8_0Ref, VecDotQ8_0Avx2, VecDot4Q8_0Avx2},
    KernelRow{GgmlType::kQ4_0, GgmlType::kQ8_0, VecDotQ4_0Ref, VecDotQ4_0Avx2, VecDot4Q4_0Avx2},
    KernelRow{GgmlType::kQ4_1, GgmlType::kQ8_0, VecDotQ4_1Ref, VecDotQ4_1Avx2, VecDot4Q4_1Avx2},
    KernelRow{GgmlType::kQ5_0, GgmlType::kQ8_0, VecDotQ5_0Ref, VecDotQ5_0Avx2, VecDot4Q5_0Avx2},
    KernelRow{GgmlType::kQ5_1, GgmlType::kQ8_0, VecDotQ5_1Ref, VecDotQ5_1Avx2, VecDot4Q5_1Avx2},
    KernelRow{GgmlType::kIQ4_NL, GgmlType::kQ8_0, VecDotIQ4_NLRef, VecDotIQ4_NLAvx2,
              VecDot4IQ4_NLAvx2},
    KernelRow{GgmlType::kQ2_K, GgmlType::kQ8_K, VecDotQ2_KRef, VecDotQ2_KAvx2, VecDot4Q2_KAvx2},
    KernelRow{GgmlType::kQ3_K, GgmlType::kQ8_K, VecDotQ3_KRef, VecDotQ3_KAvx2, VecDot4Q3_KAvx2},
    KernelRow{GgmlType::kQ4_K, GgmlType::kQ8_K, VecDotQ4_KRef, VecDotQ4_KAvx2, VecDot4Q4_KAvx2,
              VecDotQ4_KAvx512, VecDot4Q4_KAvx512, VecDot8Q4_KAvx512, ActivationOrder::kQ4KLanes, true},
    KernelRow{GgmlType::kQ5_K, GgmlType::kQ8_K, VecDotQ5_KRef, VecDotQ5_KAvx2, VecDot4Q5_KAvx2},
    KernelRow{GgmlType::kQ6_K, GgmlType::kQ8_K, VecDotQ6_KRef, VecDotQ6_KAvx2, VecDot4Q6_KAvx2,
              VecDotQ6_KAvx512, VecDot4Q6_KAvx512, VecDot8Q6_KAvx512, ActivationOrder::kQ6KLanes, true},
    KernelRow{GgmlType::kIQ4_XS, GgmlType::kQ8_K, VecDotIQ4_XSRef, VecDotIQ4_XSAvx2,
              VecDot4IQ4_XSAvx2},
};
constexpr size_t kNumRows = kKernelRows.size();

// Resolved kernels for each row, per KernelIsa, filled once.
struct Resolved {
  std::array<VecDotKernel, kNumRows> best, scalar, avx2, avx512;
  std::array<bool, kNumRows> has_avx2{}, has_avx512{};
};

bool Avx2Available() {
  const CpuFeatures& cpu = GetCpuFeatures();
  return cpu.avx2 && cpu.fma && cpu.f16c;
}

bool Avx512Available() {
  const CpuFeatures& cpu = GetCpuFeatures();
  return Avx2Available() && cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512vnni;
}

// HEARTH_KERNELS=scalar runs the scalar kernels even where SIMD exists (the fallback that CPUs
// without AVX2 get); HEARTH_KERNELS=avx2 stops at AVX2 (what CPUs without AVX-512 get).
bool KernelsCapped(const char* level) {
  const char* env = std::getenv("HEARTH_KERNELS");
  return env != nullptr && std::strcmp(env, level) == 0;
}
bool ForcedScalar() { return KernelsCapped("scalar"); }

Resolved Resolve() {
  const bool avx2_ok = Avx2Available();
  const bool avx512_ok = Avx512Available();
  const bool force_scalar = ForcedScalar();
  const bool cap_avx2 = KernelsCapped("avx2");
  Resolved r;
  for (size_t i = 0; i < kNumRows; ++i) {
    const KernelRow& row = kKernelRows[i];
    r.scalar[i] = {row.act_type, row.scalar, nullptr, nullptr};
    r.has_avx2[i] = avx2_ok && row.avx2 != nullptr;
    r.avx2[i] = {row.act_type, r.has_avx2[i] ? row.avx2 : row.scalar,
                 r.has_avx2[i] ? row.avx2_4 : nullptr, nullptr};
    r.has_avx512[i] = avx512_ok && row.avx512 != nullptr;
    r.avx512[i] = {row.act_type, row.avx512, row.avx512_4, row.avx512_8, row.avx512_order, row.avx512_prefetches};
    if (force_scalar) {
      r.best[i] = r.scalar[i];
    } else if (r.has_avx512[i] && !cap_avx2) {
      r.best[i] = r.avx512[i];
    } else {
      r.best[i] = r.has_avx2[i] ? r.avx2[i] : r.scalar[i];
    }
  }
  return r;
}

}  // namespace

const VecDotKernel* FindVecDot(GgmlType type, KernelIsa isa) {
  static const Resolved resolved = Resolve();
  for (size_t i = 0; i < kNumRows; ++i) {
    if (kKernelRows[i].type != type) continue;
    switch (isa) {
      case KernelIsa::kBest:
        return &resolved.best[i];
      case KernelIsa::kScalar:
        return &resolved.scalar[i];
      case KernelIsa::kAvx2:
        return resolved.has_avx2[i] ? &resolved.avx2[i] : nullptr;
      case KernelIsa::kAvx512:
        return resolved.has_avx512[i] ? &resolved.avx512[i] : nullptr;
    }
  }
  return nullptr;
}

QuantizeRowFn FindActivationQuantizer(GgmlType act_type) {
  // Resolved once: MatMul asks for every activation row.
  static const QuantizeRowFn q8_0 = FindQuantTraits(GgmlType::kQ8_0)->quantize;
  static const QuantizeRowFn q8_k = Avx2Available() && !ForcedScalar()
                                        ? QuantizeRowQ8_KAvx2
                                        : FindQuantTraits(GgmlType::kQ8_K)->quantize;
  HEARTH_CHECK(act_type == GgmlType::kQ8_0 || act_type == GgmlType::kQ8_K,
               "no activation quantizer for type %u", static_cast<unsigned>(act_type));
  return act_type == GgmlType::kQ8_K ? q8_k : q8_0;
}

const KvRowKernels* FindKvRowKernels(GgmlType type, KernelIsa isa) {
  struct KvRow {
    GgmlType type;
    AxpyRowFn scalar, avx2, avx512;
    ScoreRowsFn scalar_scores, avx512_scores;
  };
  static constexpr std::array kKvRows = {
      KvRow{GgmlType::kF32, AxpyRowF32Ref, AxpyRowF32Avx2, AxpyRowF32Avx512, ScoreRowsF32Ref, ScoreRowsF32Avx512},
      KvRow{GgmlType::kF16, AxpyRowF16Ref, AxpyRowF16Avx2, AxpyRowF16Avx512, ScoreRowsF16Ref, ScoreRowsF16Avx512},
      KvRow{GgmlType::kQ8_0, AxpyRowQ8_0Ref, AxpyRowQ8_0Avx2, AxpyRowQ8_0Avx512, ScoreRowsQ8_0Ref,
            ScoreRowsQ8_0Avx512},
  };
  constexpr size_t kIsas = 4;
  // Resolved once per (row, isa). The AVX2 set keeps the key-by-key dots (their four-head form).
  static const auto resolved = [] {
    std::array<std::array<KvRowKernels, kIsas>, kKvRows.size()> r{};
    const bool avx2 = Avx2Available() && !ForcedScalar();
    const bool avx512 = avx2 && Avx512Available() && !KernelsCapped("avx2");
    for (size_t i = 0; i < kKvRows.size(); ++i) {
      const KvRow& row = kKvRows[i];
      const VecDotKernel& best = *FindVecDot(row.type, KernelIsa::kBest);
      const VecDotKernel& scalar = *FindVecDot(row.type, KernelIsa::kScalar);
      const VecDotKernel* simd = FindVecDot(row.type, KernelIsa::kAvx2);
      const KvRowKernels scalar_set{scalar, row.scalar, row.scalar_scores};
      const KvRowKernels avx2_set{simd != nullptr ? *simd : scalar, row.avx2, nullptr};
      const KvRowKernels avx512_set{best, row.avx512, row.avx512_scores};
      r[i][static_cast<size_t>(KernelIsa::kScalar)] = scalar_set;
      r[i][static_cast<size_t>(KernelIsa::kAvx2)] = avx2_set;
      r[i][static_cast<size_t>(KernelIsa::kAvx512)] = avx512_set;
      r[i][static_cast<size_t>(KernelIsa::kBest)] = avx512 ? avx512_set : avx2 ? avx2_set : scalar_set;
    }
    return r;
  }();
  const bool isa_ok = isa == KernelIsa::kBest || isa == KernelIsa::kScalar ||
                      (isa == KernelIsa::kAvx2 && Avx2Available()) || (isa == KernelIsa::kAvx512 && Avx512Available());
  for (size_t i = 0; i < kKvRows.size(); ++i) {
    if (kKvRows[i].type == type) return isa_ok ? &resolved[i][static_cast<size_t>(isa)] : nullptr;
  }
  return nullptr;
}

const ElementwiseOps* FindElementwiseOps(KernelIsa isa) {
  static constexpr ElementwiseOps kScalar{GeluMulRef, SoftCapRef};
  static constexpr ElementwiseOps kAvx2{GeluMulAvx2, SoftCapAvx2};
  static const bool avx2_ok = Avx2Available();
  static const bool force_scalar = ForcedScalar();
  switch (isa) {
    case KernelIsa::kBest:
      return avx2_ok && !force_scalar ? &kAvx2 : &kScalar;
    case KernelIsa::kScalar:
      return &kScalar;
    case KernelIsa::kAvx2:
      return avx2_ok ? &kAvx2 : nullptr;
    case KernelIsa::kAvx512:
      return nullptr;  // no AVX-512 element-wise ops: AVX-512 CPUs use the AVX2 set
  }
  return nullptr;
}

}  // namespace hearth
