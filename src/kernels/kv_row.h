// Kernels attention runs on K/V cache rows (kv_cache/kv_cache.h) of each cache element type. The
// q·k scores use the dot kernels of vec_dot.h: a K row is a "weight row" of the cache type and q
// the activation row in that kernel's format (f32, or Q8_0 blocks for a q8_0 cache, quantized once
// per head); the scalar and AVX-512 sets also have a many-keys-by-many-heads score kernel
// (ScoreRowsFn), which takes q in f32 for every cache type.
// The value sum uses the row "axpy" below. Every SIMD kernel has a scalar twin in ref/, and
// dispatch.cc picks one (FindKvRowKernels).
#pragma once

#include <cstdint>

namespace hearth {

// outs[h][i] += Σ_r weights[h * weight_stride + r] * rows[r][i] for r < n_rows, h < n_out and
// i < n (n a multiple of 8 and of the row type's block): the accumulation of n_rows V rows into the outputs
// of the n_out query heads that share them (GQA), each with its softmax weights. Each row is
// converted once per group of heads (all of them for AVX2, up to 8 for AVX-512), and each output
// is loaded and stored once per group of rows (4 for AVX2, 16 for AVX-512), not per row.
using AxpyRowFn = void (*)(int64_t n, int n_rows, const void* const* rows, const float* weights,
                           int64_t weight_stride, int n_out, float* const* outs);

// scores[h * score_stride + j] = Σ_i q[h * q_stride + i] * keys[j][i] for h < n_heads, j < n_keys
// and i < n (any n for f32 and f16 keys, a multiple of 32 for Q8_0): the q·k of a run of keys
// against the query heads of their group, q in f32 (a Q8_0 key is dequantized, q is not
// quantized as the Q8_0 dot kernel's activation is).
using ScoreRowsFn = void (*)(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                             int n_heads, float* scores, int64_t score_stride);

// --- ref/kv_row_ref.cc: scalar, head by head and row by row, one rounding per multiply and add.
void AxpyRowF32Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                   int n_out, float* const* outs);
void AxpyRowF16Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                   int n_out, float* const* outs);
// Q8_0 blocks: per block, head and row one float scale weight * d, then out += scale * q.
void AxpyRowQ8_0Ref(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs);
// One dot (VecDotF32Ref / VecDotF16Ref; for Q8_0, d times the float dot of the block) per head
// and key.
void ScoreRowsF32Ref(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
                     float* scores, int64_t score_stride);
void ScoreRowsF16Ref(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
                     float* scores, int64_t score_stride);
void ScoreRowsQ8_0Ref(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride, int n_heads,
                      float* scores, int64_t score_stride);

// --- x86/kv_row_avx2.cc: AVX2 + FMA + F16C; 8 values of up to 4 rows converted once, one FMA per
// head and row. ---------------------------------------------------------------------------------
void AxpyRowF32Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs);
void AxpyRowF16Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                    int n_out, float* const* outs);
void AxpyRowQ8_0Avx2(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                     int n_out, float* const* outs);

// --- x86/kv_row_avx512.cc: AVX-512 F + BW + VL; same CPU condition as the AVX-512 dot kernels.
// Scores in tiles of 16 (head, key) sums, 4 x 4 (or 2 x 8, 1 x 16 for smaller groups); the value
// sum in tiles of up to 8 heads x 32 elements held in registers across 16 rows. A Q8_0 row is
// turned into d * q once for all the heads it meets (the scalar twins scale each weight or sum).
void AxpyRowF32Avx512(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                      int n_out, float* const* outs);
void AxpyRowF16Avx512(int64_t n, int n_rows, const void* const* rows, const float* weights, int64_t weight_stride,
                      int n_out, float* const* outs);
void AxpyRowQ8_0Avx512(int64_t n, int n_rows, const void* const* rows, const float* weights,
                       int64_t weight_stride, int n_out, float* const* outs);
void ScoreRowsF32Avx512(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                        int n_heads, float* scores, int64_t score_stride);
void ScoreRowsF16Avx512(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                        int n_heads, float* scores, int64_t score_stride);
void ScoreRowsQ8_0Avx512(int64_t n, int n_keys, const void* const* keys, const float* q, int64_t q_stride,
                         int n_heads, float* scores, int64_t score_stride);

}  // namespace hearth
