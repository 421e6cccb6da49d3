// The only place that chooses between the scalar and ISA twins of each kernel (vec_dot.h), from
// GetCpuFeatures() and the HEARTH_KERNELS environment variable, once per process.
#pragma once

#include <cstdint>

#include "kernels/activations.h"
#include "kernels/kv_row.h"
#include "kernels/vec_dot.h"
#include "quant/quant_traits.h"
#include "tensor/dtype.h"

namespace hearth {

// How MatMul computes with one weight type.
struct VecDotKernel {
  GgmlType act_type;  // activation row format: kF32, kQ8_0 or kQ8_K
  VecDotFn fn;
  VecDot4Fn fn4;  // null: no four-token kernel, MatMul calls fn once per token
  VecDot8Fn fn8 = nullptr;  // null: no eight-token kernel, MatMul uses fn4 (or fn)
  ActivationOrder act_order = ActivationOrder::kNatural;  // of kQ8_K rows, for all three
  // fn prefetches its own weights kWeightPrefetchBytes ahead, block by block, so MatMul does not
  // for one-token passes. A row's worth of prefetches issued at once before each call (MatMul's
  // way) overran the miss queues on long rows: FFN down (6144 columns) read 22-24 GB/s against
  // 27-30 with the prefetches spread through the kernel (AMD EPYC, two threads).
  bool fn_prefetches = false;
};

// Implementation sets a caller can ask for. kBest is what MatMul uses: the widest SIMD twin the
// CPU has, unless HEARTH_KERNELS=scalar forces the scalar integer kernels or HEARTH_KERNELS=avx2
// stops at AVX2.
enum class KernelIsa { kBest, kScalar, kAvx2, kAvx512 };

// nullptr when `type` has no kernel (or none for `isa` on this CPU; kAvx2 and kAvx512 also return
// nullptr for types without a kernel of that ISA). Thread-safe; the choice is made once.
const VecDotKernel* FindVecDot(GgmlType type, KernelIsa isa = KernelIsa::kBest);

// The quantizer for activation rows of act_type kQ8_0 or kQ8_K (quant/'s, or a SIMD twin that
// gives identical bytes); HEARTH_KERNELS=scalar forces quant/'s. Never null for those two types.
QuantizeRowFn FindActivationQuantizer(GgmlType act_type);

// The transcendental element-wise ops of ops.h (GeGLU, soft-cap) for one ISA; the scalar set is
// ops.cc's reference loops, the SIMD set lives in ops_simd.h.
struct ElementwiseOps {
  void (*gelu_mul)(const float* gate, const float* up, float* out, int64_t n);
  void (*soft_cap)(float* x, int64_t n, float cap);
};

// kBest as above (HEARTH_KERNELS=scalar forces the scalar set); nullptr for kAvx2 on CPUs
// without it.
const ElementwiseOps* FindElementwiseOps(KernelIsa isa = KernelIsa::kBest);

// The kernels attention runs on K/V cache rows of one cache type (kv_row.h): `dot` is the vec-dot
// kernel of that type (q·k; q in dot.act_type), `axpy` the value sum, and `scores`, where the set
// has one (scalar and AVX-512; the AVX2 set has none), the q·k of many keys and heads in one call
// with q in f32. Attention uses `scores` where it is set, else `dot` key by key (for a Q8_0 cache
// with q quantized to Q8_0: results then differ from the other sets by that rounding).
struct KvRowKernels {
  VecDotKernel dot;
  AxpyRowFn axpy;
  ScoreRowsFn scores;
};

// For kF32, kF16 and kQ8_0 caches (nullptr for other types, or for kAvx2/kAvx512 on CPUs without
// that ISA). kBest and HEARTH_KERNELS as for FindVecDot; the kAvx512 set has AVX-512 value sums
// and scores, with the type's best dot kernel.
const KvRowKernels* FindKvRowKernels(GgmlType type, KernelIsa isa = KernelIsa::kBest);

}  // namespace hearth
