// Matrix-vector and matrix-matrix products against GGUF weight matrices: the one entry point the
// model uses for every projection. Per-type dot kernels are in vec_dot.h, chosen by dispatch.cc.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/thread_pool.h"
#include "tensor/dtype.h"

namespace hearth {

// kFast: f32/f16/bf16 weights dot f32 activations; quantized weights dot activations quantized
// once per call to Q8_0 (32-element formats) or Q8_K (K-quants, IQ4_XS), as llama.cpp does.
// kReference: each weight row dequantized to f32, dot accumulated in double (slow, exact).
enum class KernelMode { kFast, kReference };

// A weight matrix in GGUF layout: `rows` rows (output features N) of `cols` contiguous elements
// (input features K), each row row_bytes long, blocks of `type`. Non-owning.
struct MatrixView {
  GgmlType type;
  const uint8_t* data;
  int64_t cols;
  int64_t rows;
  size_t row_bytes;
};

// y[t*rows + n] = sum_k W[n][k] * x[t*cols + k] for t in [0, n_tokens).
// x: [n_tokens, cols] f32, y: [n_tokens, rows] f32 (must not alias x). Output rows are split
// across `pool`; the result does not depend on the thread count. Not re-entrant on one pool.
void MatMul(const MatrixView& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            KernelMode mode = KernelMode::kFast);

// Same math on the calling thread, for callers that parallelise at a coarser level (e.g. MoE
// experts). Safe to call concurrently from several threads (scratch is thread-local).
void MatMulSingleThread(const MatrixView& w, const float* x, int64_t n_tokens, float* y,
                        KernelMode mode = KernelMode::kFast);

}  // namespace hearth
