// Per-type dot products of one weight row against one activation row: the inner kernels of
// MatMul. Every kernel has a scalar twin in ref/ (also the fallback on CPUs without SIMD) and
// optionally an ISA twin in x86/; dispatch.cc picks one. Only kernels/ and its tests include this.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace hearth {

// Software prefetch distance in bytes of weights, for MatMul and for kernels that prefetch their
// own weights (VecDotKernel::fn_prefetches). The hardware streamer stops at every 4 KiB page and
// restarts only after demand misses; with the dot kernels' compute between loads, those restarts
// left memory time and compute time adding up (7 GB/s per core cold vs 14 hot). Asking for the
// line 4 KiB ahead of the one being dotted overlaps them: Q4_K one-token MatMul from DRAM 13-14 ->
// 18-22 GB/s with two threads, E2B decode +25% (bench/RESULTS.md). 2 KiB gave less, 8 KiB no more,
// on an Intel and on an AMD machine.
constexpr size_t kWeightPrefetchBytes = 4096;

// Dot of `n` elements (a multiple of the weight block): `w` points at a row of weight blocks,
// `a` at the activation row of the kernel's act_type as activations.h prepares it (f32 floats,
// Q8_0 blocks, or Q8_K blocks followed by their pair sums). Quantized kernels form each block's sum in int32 exactly (the scalar
// and SIMD twins agree on every integer sum) and combine blocks in float.
using VecDotFn = float (*)(int64_t n, const void* w, const void* a);

// Four dots of one weight row against four activation rows at a + i * a_stride, written to
// out[i * out_stride] (i < 4): prefill decodes each weight block once for four tokens. Each
// result is bit-identical to VecDotFn on that row, so the tiling never changes the output.
using VecDot4Fn = void (*)(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                           int64_t out_stride);
// The same for eight activation rows (i < 8): where the weight decoding is a large share of the
// work (Q4_K on AVX-512), spreading it over eight tokens is worth the extra registers.
using VecDot8Fn = VecDot4Fn;

// --- ref/vec_dot_ref.cc: floats and the 32-element formats (activations Q8_0). -------------
float VecDotF32Ref(int64_t n, const void* w, const void* a);
float VecDotF16Ref(int64_t n, const void* w, const void* a);
float VecDotBF16Ref(int64_t n, const void* w, const void* a);
float VecDotQ4_0Ref(int64_t n, const void* w, const void* a);
float VecDotQ4_1Ref(int64_t n, const void* w, const void* a);
float VecDotQ5_0Ref(int64_t n, const void* w, const void* a);
float VecDotQ5_1Ref(int64_t n, const void* w, const void* a);
float VecDotQ8_0Ref(int64_t n, const void* w, const void* a);
float VecDotIQ4_NLRef(int64_t n, const void* w, const void* a);

// --- ref/vec_dot_ref_k.cc: 256-element super-blocks (activations Q8_K). -------------------
float VecDotQ2_KRef(int64_t n, const void* w, const void* a);
float VecDotQ3_KRef(int64_t n, const void* w, const void* a);
float VecDotQ4_KRef(int64_t n, const void* w, const void* a);
float VecDotQ5_KRef(int64_t n, const void* w, const void* a);
float VecDotQ6_KRef(int64_t n, const void* w, const void* a);
float VecDotIQ4_XSRef(int64_t n, const void* w, const void* a);

// --- x86/vec_dot_avx2.cc, x86/vec_dot_k_avx2.cc, x86/vec_dot_k_low_avx2.cc: AVX2 + FMA + F16C. Call only when
// GetCpuFeatures() reports all three (dispatch.cc does). --------------------------------------
float VecDotF32Avx2(int64_t n, const void* w, const void* a);
float VecDotF16Avx2(int64_t n, const void* w, const void* a);
float VecDotBF16Avx2(int64_t n, const void* w, const void* a);
float VecDotQ4_0Avx2(int64_t n, const void* w, const void* a);
float VecDotQ4_1Avx2(int64_t n, const void* w, const void* a);
float VecDotQ5_1Avx2(int64_t n, const void* w, const void* a);
float VecDotQ5_0Avx2(int64_t n, const void* w, const void* a);
float VecDotQ8_0Avx2(int64_t n, const void* w, const void* a);
float VecDotIQ4_NLAvx2(int64_t n, const void* w, const void* a);
float VecDotQ4_KAvx2(int64_t n, const void* w, const void* a);
float VecDotQ5_KAvx2(int64_t n, const void* w, const void* a);
float VecDotQ6_KAvx2(int64_t n, const void* w, const void* a);
float VecDotQ2_KAvx2(int64_t n, const void* w, const void* a);
float VecDotQ3_KAvx2(int64_t n, const void* w, const void* a);
float VecDotIQ4_XSAvx2(int64_t n, const void* w, const void* a);
void VecDot4Q4_0Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q5_0Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q8_0Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4IQ4_NLAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride);
void VecDot4Q4_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q5_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q6_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q4_1Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q5_1Avx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q2_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4Q3_KAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                     int64_t out_stride);
void VecDot4IQ4_XSAvx2(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride);

// --- x86/quantize_act_avx2.cc: Q8_K activation rows, byte-identical to quant/'s QuantizeRowQ8_K.
void QuantizeRowQ8_KAvx2(const float* src, void* dst, int64_t n);

// --- x86/vec_dot_f_avx512.cc: AVX-512 F + BW, f32 activations; same CPU condition as below.
float VecDotF32Avx512(int64_t n, const void* w, const void* a);
float VecDotF16Avx512(int64_t n, const void* w, const void* a);
void VecDot4F32Avx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                      int64_t out_stride);
void VecDot4F16Avx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                      int64_t out_stride);

// --- x86/vec_dot_k_avx512.cc: AVX-512 F + BW + VNNI (and AVX2). Call only when GetCpuFeatures()
// reports AVX512F, AVX512BW and AVX512VNNI (dispatch.cc does). ----------------------------------
float VecDotQ4_KAvx512(int64_t n, const void* w, const void* a);
float VecDotQ6_KAvx512(int64_t n, const void* w, const void* a);
void VecDot4Q4_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride);
void VecDot4Q6_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride);
void VecDot8Q4_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride);
void VecDot8Q6_KAvx512(int64_t n, const void* w, const uint8_t* a, size_t a_stride, float* out,
                       int64_t out_stride);

}  // namespace hearth
