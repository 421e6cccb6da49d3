// Kernels attention runs on K/V cache rows (kv_cache/kv_cache.h) of each cache element type. The
// q·k scores use the dot kernels of vec_dot.h: a K row is a "weight row" of the cache type and q
// the activation row in that kernel's format (f32, or Q8_0 blocks for a q8_0 cache, quantized once
// per head). The value sum uses the row "axpy" below. Every SIMD kernel has a scalar twin in ref/,
// and dispatch.cc picks one (FindKvRowKernels); attention uses AxpyRowFn and kAxpyRowsPerPass.
#pragma once

#include <cstdint>

namespace hearth {

// outs[h][i] += Σ_r weights[h * weight_stride + r] * rows[r][i] for r < n_rows, h < n_out and
// i < n (n a multiple of 8 and of the row type's block): the accumulation of n_rows V rows into the outputs
// of the n_out query heads that share them (GQA), each with its softmax weights. Each row is
// converted once for all heads, and each output is loaded and stored once per call, not per row.
using AxpyRowFn = void (*)(int64_t n, int n_rows, const void* const* rows, const float* weights,
                           int64_t weight_stride, int n_out, float* const* outs);

// The most rows one AVX2 call keeps in registers; callers may pass more (they are taken in groups).
inline constexpr int kAxpyRowsPerPass = 4;

// --- ref/kv_row_ref.cc: scalar, head by head and row by row, one rounding per multiply and add.
void AxpyRowF32Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                   int n_out, float* const* outs);
void AxpyRowF16Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                   int n_out, float* const* outs);
// Q8_0 blocks: per block, head and row one float scale weight * d, then out += scale * q.
void AxpyRowQ8_0Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs);

// --- x86/kv_row_avx2.cc: AVX2 + FMA + F16C; 8 values of up to 4 rows converted once, one FMA per
// head and row. ---------------------------------------------------------------------------------
void AxpyRowF32Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs);
void AxpyRowF16Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs);
void AxpyRowQ8_0Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                     int n_out, float* const* outs);

}  // namespace hearth
