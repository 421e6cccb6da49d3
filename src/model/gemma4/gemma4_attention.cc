#include "model/gemma4/gemma4_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/ops.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

// Batches of at most this many rows (decode, batched decode) split their keys into chunks; a
// prefill batch already has a task per query row and KV head for every thread.
constexpr int64_t kMaxChunkedRows = 16;
// A chunk spans at least kMinChunkKeys keys, and a row has at most kMaxChunks chunks (bounding the
// partial sums: kMaxChunks x n_head x head_dim floats per row).
constexpr int64_t kMinChunkKeys = 128;
constexpr int64_t kMaxChunks = 32;

// What one query row reads: its visible keys, its kernels and its q in their dot format.
struct RowPlan {
  int64_t lo = 0;      // first visible position
  int64_t n_keys = 0;  // positions lo .. lo + n_keys - 1
  int64_t n_chunks = 1;
  int64_t first_task = 0;
  const KvRowKernels* kernels = nullptr;
  size_t head_bytes = 0;  // one head's slice of a K/V row in the cache type
};

// Whether a row's q·k goes key by key through a Q8_0 dot kernel, whose query must be Q8_0 blocks;
// the score kernels (kv_row.h) take q in f32 for every cache type.
bool QuantizedQuery(const RowPlan& plan) {
  return plan.kernels->scores == nullptr && plan.kernels->dot.act_type == GgmlType::kQ8_0;
}

// Query head h of row t in the format its q·k takes: f32 straight from q, or Q8_0 blocks quantized
// once per head (not once per key).
class QueryRows {
 public:
  QueryRows(const float* q, int n_head, int hd) : q_(q), n_head_(n_head), hd_(hd) {}

  void QuantizeForQ8_0Rows(std::span<const RowPlan> plans, ThreadPool& pool) {
    q8_head_bytes_ = *RowBytes(GgmlType::kQ8_0, hd_);
    q8_.resize(plans.size() * static_cast<size_t>(n_head_) * q8_head_bytes_);
    pool.ParallelFor(static_cast<int64_t>(plans.size()) * n_head_, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) {
        if (!QuantizedQuery(plans[static_cast<size_t>(i / n_head_)])) continue;
        QuantizeRow(GgmlType::kQ8_0, q_ + i * hd_, q8_.data() + static_cast<size_t>(i) * q8_head_bytes_, hd_);
      }
    });
  }

  const void* Head(const RowPlan& plan, int64_t t, int h) const {
    const int64_t i = t * n_head_ + h;
    if (QuantizedQuery(plan)) return q8_.data() + static_cast<size_t>(i) * q8_head_bytes_;
    return q_ + i * hd_;
  }

  // Bytes from head h to head h + 1 of the same row, in the format Head returns.
  size_t HeadStride(const RowPlan& plan) const {
    return QuantizedQuery(plan) ? q8_head_bytes_ : static_cast<size_t>(hd_) * sizeof(float);
  }

 private:
  const float* q_;
  int n_head_, hd_;
  size_t q8_head_bytes_ = 0;
  std::vector<uint8_t> q8_;
};

// One task: row t, KV head g, chunk c of the row's keys.
struct Task {
  int64_t t;
  int g;
  int64_t chunk;
};

// Unnormalised output of one chunked task per query head of its group: max score m, Σ e^(s-m), and
// Σ e^(s-m) V (group x hd).
struct Partials {
  std::vector<float> max, sum, acc;
};

}  // namespace

void Attend(const Gemma4LayerParams& lp, int kv_layer, int window, std::span<const RowSlot> rows, const float* q,
            float* out, ThreadPool& pool, KernelMode mode) {
  const int hd = lp.head_dim, n_head = lp.n_head, n_head_kv = lp.n_head_kv;
  const int group = n_head / n_head_kv;
  const bool sliding = lp.kind == AttentionKind::kSliding;
  const int64_t T = static_cast<int64_t>(rows.size());
  const bool may_chunk = mode == KernelMode::kFast && T <= kMaxChunkedRows;
  const KernelIsa isa = mode == KernelMode::kReference ? KernelIsa::kScalar : KernelIsa::kBest;

  std::vector<RowPlan> plans(rows.size());
  std::vector<Task> tasks;
  bool any_q8 = false;
  bool any_chunked = false;  // some row's keys are split: partial sums and the merge are needed
  for (int64_t t = 0; t < T; ++t) {
    RowPlan& p = plans[static_cast<size_t>(t)];
    const int64_t pq = rows[static_cast<size_t>(t)].pos;
    // §d.7 / (g)8: a sliding layer sees exactly the W most recent positions, itself included.
    p.lo = sliding ? std::max<int64_t>(0, pq - window + 1) : 0;
    p.n_keys = pq - p.lo + 1;
    p.n_chunks = may_chunk ? std::clamp((p.n_keys + kMinChunkKeys - 1) / kMinChunkKeys, int64_t{1}, kMaxChunks) : 1;
    const GgmlType type = rows[static_cast<size_t>(t)].cache->type();
    p.kernels = FindKvRowKernels(type, isa);
    p.head_bytes = *RowBytes(type, hd);
    any_q8 = any_q8 || QuantizedQuery(p);
    any_chunked = any_chunked || p.n_chunks > 1;
    p.first_task = static_cast<int64_t>(tasks.size());
    for (int g = 0; g < n_head_kv; ++g) {
      for (int64_t c = 0; c < p.n_chunks; ++c) tasks.push_back({t, g, c});
    }
  }
  QueryRows queries(q, n_head, hd);
  if (any_q8) queries.QuantizeForQ8_0Rows(plans, pool);

  Partials partials;
  if (any_chunked) {
    partials.max.resize(tasks.size() * static_cast<size_t>(group));
    partials.sum.resize(tasks.size() * static_cast<size_t>(group));
    partials.acc.resize(tasks.size() * static_cast<size_t>(group) * static_cast<size_t>(hd));
  }

  pool.ParallelFor(static_cast<int64_t>(tasks.size()), [&](int64_t begin, int64_t end, int) {
    std::vector<float> scores;                               // [group, len]
    std::vector<float*> dest(static_cast<size_t>(group));    // each head's output (or partial sum)
    std::vector<const void*> q_heads(static_cast<size_t>(group));  // each head's q in the dot format
    std::vector<const void*> keys, values;                   // the task's K and V rows (the ring may wrap)
    for (int64_t i = begin; i < end; ++i) {
      const Task& task = tasks[static_cast<size_t>(i)];
      const RowPlan& p = plans[static_cast<size_t>(task.t)];
      const KvCache& cache = *rows[static_cast<size_t>(task.t)].cache;
      const KvRowKernels& k = *p.kernels;
      const int64_t first = p.lo + p.n_keys * task.chunk / p.n_chunks;
      const int64_t len = p.lo + p.n_keys * (task.chunk + 1) / p.n_chunks - first;
      const size_t head_offset = static_cast<size_t>(task.g) * p.head_bytes;
      const int h0 = task.g * group;
      keys.resize(static_cast<size_t>(len));
      values.resize(static_cast<size_t>(len));
      for (int64_t j = 0; j < len; ++j) {
        keys[static_cast<size_t>(j)] = cache.K(kv_layer, first + j) + head_offset;
        values[static_cast<size_t>(j)] = cache.V(kv_layer, first + j) + head_offset;
      }
      for (int hh = 0; hh < group; ++hh) q_heads[static_cast<size_t>(hh)] = queries.Head(p, task.t, h0 + hh);
      scores.resize(static_cast<size_t>(group * len));
      if (k.scores != nullptr) {
        // f32 q against the keys: all keys and heads of the task in one tiled call.
        k.scores(hd, static_cast<int>(len), keys.data(), static_cast<const float*>(q_heads[0]), hd, group,
                 scores.data(), len);
      } else {
        // Each key against the group's heads, four at a time where the kernel has that form (a
        // key is then converted once for four heads; same results as one head at a time).
        const size_t head_stride = queries.HeadStride(p);
        for (int64_t j = 0; j < len; ++j) {
          const void* key = keys[static_cast<size_t>(j)];
          float* s = scores.data() + j;
          int hh = 0;
          if (k.dot.fn4 != nullptr) {
            for (; hh + 4 <= group; hh += 4) {
              k.dot.fn4(hd, key, static_cast<const uint8_t*>(q_heads[static_cast<size_t>(hh)]), head_stride,
                        s + hh * len, len);
            }
          }
          for (; hh < group; ++hh) s[hh * len] = k.dot.fn(hd, key, q_heads[static_cast<size_t>(hh)]);
        }
      }
      // One chunk: normalised weights summed straight into `out`; several: unnormalised sums kept
      // for the merge below.
      for (int hh = 0; hh < group; ++hh) {
        float* s = scores.data() + hh * len;
        float* o = nullptr;
        if (p.n_chunks == 1) {
          Softmax(s, len);
          o = out + (task.t * n_head + h0 + hh) * hd;
        } else {
          const size_t slot = static_cast<size_t>(i * group + hh);
          double sum = 0;
          partials.max[slot] = ExpShifted(s, len, &sum);
          partials.sum[slot] = static_cast<float>(sum);
          o = partials.acc.data() + slot * static_cast<size_t>(hd);
        }
        std::fill(o, o + hd, 0.0f);
        dest[static_cast<size_t>(hh)] = o;
      }
      // The weights of value row j for head hh are scores[hh * len + j].
      k.axpy(hd, static_cast<int>(len), values.data(), scores.data(), len, group, dest.data());
    }
  });
  if (!any_chunked) return;

  // Online-softmax merge of the chunks of each (row, head): with M = max_c m_c, out = Σ_c e^(m_c -
  // M) acc_c / Σ_c e^(m_c - M) sum_c.
  const AxpyRowFn axpy_f32 = FindKvRowKernels(GgmlType::kF32, isa)->axpy;
  pool.ParallelFor(T * n_head, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t t = i / n_head;
      const int h = static_cast<int>(i % n_head);
      const RowPlan& p = plans[static_cast<size_t>(t)];
      if (p.n_chunks == 1) continue;
      const int g = h / group, hh = h % group;
      const int64_t first_task = p.first_task + g * p.n_chunks;
      auto slot = [&](int64_t c) { return static_cast<size_t>((first_task + c) * group + hh); };
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t c = 0; c < p.n_chunks; ++c) mx = std::max(mx, partials.max[slot(c)]);
      float* o = out + i * hd;
      std::fill(o, o + hd, 0.0f);
      double total = 0;
      for (int64_t c = 0; c < p.n_chunks; ++c) {
        const float scale = std::exp(partials.max[slot(c)] - mx);
        total += static_cast<double>(scale) * partials.sum[slot(c)];
        const void* acc = partials.acc.data() + slot(c) * hd;
        axpy_f32(hd, 1, &acc, &scale, 1, 1, &o);
      }
      const float inv = static_cast<float>(1.0 / total);
      for (int d = 0; d < hd; ++d) o[d] *= inv;
    }
  });
}

}  // namespace hearth
