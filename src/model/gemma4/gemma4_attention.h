// Attention of a batch of query rows over their sequences' K/V caches (spec gemma4-text-model.md
// §d.7): softmax(q·k) v per query head, scale 1.0, no soft-cap, a sliding window on sliding layers.
// Reads the cache in its element type (f32, f16 or q8_0) through the row kernels of
// kernels/kv_row.h.
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "kernels/matmul.h"
#include "kv_cache/kv_cache.h"
#include "model/gemma4/gemma4_hparams.h"

namespace hearth {

// Where one row of a batch lives: its sequence's cache and its position there.
struct RowSlot {
  KvCache* cache;
  int64_t pos;
};

// out[t, h] = Σ_j softmax_j(q[t, h] · K_j) V_j over the keys row t sees in layer `kv_layer` of its
// cache: positions [0, pos] on full layers, the `window` most recent (itself included) on sliding
// ones. q, out: [T, n_head * head_dim]. The K and V rows of one KV head are streamed once for all
// the query heads that share it (GQA). A decode row's keys are split into chunks merged with the
// online-softmax rule, so a single sequence's long context is read by every thread; the split
// depends only on the number of keys and the batch size, never on the thread count.
// KernelMode::kReference runs the scalar kernels on one chunk: the plain softmax-then-sum.
void Attend(const Gemma4LayerParams& lp, int kv_layer, int window, std::span<const RowSlot> rows, const float* q,
            float* out, ThreadPool& pool, KernelMode mode);

}  // namespace hearth
