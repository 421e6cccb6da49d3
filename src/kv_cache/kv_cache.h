// The K/V cache of one sequence (spec gemma4-text-model.md §f). Layers that own K/V get a
// buffer; FULL-attention layers hold the whole context, sliding-window layers a ring of
// window + max_batch - 1 cells (enough for a batch of queries to see their window while the
// batch's own keys are written), and KV-shared layers nothing: they read their donor's buffer.
// Entries are f32 rows of n_head_kv * head_dim (K after norm+RoPE, V after its norm).
// Not thread-safe for writes; concurrent reads of distinct positions are fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth {

struct KvLayerSpec {
  bool owns_kv = true;
  bool sliding = false;
  int width = 0;  // n_head_kv * head_dim
};

class KvCache {
 public:
  KvCache(std::vector<KvLayerSpec> layers, int n_ctx, int window, int max_batch);

  // Bytes the cache would take for these layers and sizes (for `show` and memory planning).
  static size_t BytesFor(const std::vector<KvLayerSpec>& layers, int n_ctx, int window, int max_batch);

  int n_ctx() const { return n_ctx_; }
  int max_batch() const { return max_batch_; }
  size_t bytes() const;
  // Rows of layer `il` (context length or ring size); 0 for layers without their own cache.
  int capacity(int il) const { return layers_[static_cast<size_t>(il)].capacity; }

  // Row of position `pos` of layer il (ring slot pos % capacity for sliding layers).
  float* K(int il, int64_t pos) { return Row(layers_[static_cast<size_t>(il)].k, il, pos); }
  float* V(int il, int64_t pos) { return Row(layers_[static_cast<size_t>(il)].v, il, pos); }
  const float* K(int il, int64_t pos) const { return const_cast<KvCache*>(this)->K(il, pos); }
  const float* V(int il, int64_t pos) const { return const_cast<KvCache*>(this)->V(il, pos); }

  // Number of positions already computed (the next token goes to position n_past()).
  int64_t n_past() const { return n_past_; }
  void set_n_past(int64_t n) { n_past_ = n; }
  // Forgets everything (positions restart at 0).
  void Clear() { n_past_ = 0; }
  // Whether the cache can go back to hold only positions [0, pos) and continue from there: a
  // sliding-window ring still holds the window before `pos` only if at most max_batch positions
  // were written after it (spec §f: rewinding further needs recomputation).
  bool CanRewindTo(int64_t pos) const;

 private:
  struct Layer {
    KvLayerSpec spec;
    int capacity = 0;
    std::vector<float> k, v;  // [capacity, width]
  };
  float* Row(std::vector<float>& buf, int il, int64_t pos) {
    const Layer& l = layers_[static_cast<size_t>(il)];
    return buf.data() + static_cast<size_t>(pos % l.capacity) * static_cast<size_t>(l.spec.width);
  }
  static int Capacity(const KvLayerSpec& s, int n_ctx, int window, int max_batch);

  std::vector<Layer> layers_;
  int n_ctx_;
  int window_;
  int max_batch_;
  int64_t n_past_ = 0;
};

}  // namespace hearth
