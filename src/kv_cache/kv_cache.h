// The K/V cache of one sequence (spec gemma4-text-model.md §f). Layers that own K/V get a
// buffer; FULL-attention layers hold the whole context, sliding-window layers a ring of
// window + max_batch - 1 cells (enough for a batch of queries to see their window while the
// batch's own keys are written), and KV-shared layers nothing: they read their donor's buffer.
// Entries are rows of n_head_kv * head_dim values (K after norm+RoPE, V after its norm) stored as
// the cache's element type (kv_cache_type.h): f32, f16, or q8_0 blocks, so each head's slice of
// head_dim values starts on a block boundary (head_dim is a multiple of 32 in every Gemma 4).
// Not thread-safe for writes; concurrent reads of distinct positions are fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "quant/quant_traits.h"
#include "tensor/dtype.h"

namespace hearth {

struct KvLayerSpec {
  bool owns_kv = true;
  bool sliding = false;
  int width = 0;  // n_head_kv * head_dim
};

class KvCache {
 public:
  // type: kF32, kF16 or kQ8_0 (kQ8_0 needs every width to be a multiple of 32).
  KvCache(std::vector<KvLayerSpec> layers, int n_ctx, int window, int max_batch, GgmlType type);

  // Bytes the cache would take for these layers, sizes and element type (for `show` and memory
  // planning).
  static size_t BytesFor(const std::vector<KvLayerSpec>& layers, int n_ctx, int window, int max_batch, GgmlType type);

  int n_ctx() const { return n_ctx_; }
  int max_batch() const { return max_batch_; }
  GgmlType type() const { return type_; }
  int n_layer() const { return static_cast<int>(layers_.size()); }
  int width(int il) const { return layers_[static_cast<size_t>(il)].spec.width; }
  size_t bytes() const;
  // Rows of layer `il` (context length or ring size); 0 for layers without their own cache.
  int capacity(int il) const { return layers_[static_cast<size_t>(il)].capacity; }

  // Row of position `pos` of layer il (ring slot pos % capacity for sliding layers): `width`
  // values of type().
  const uint8_t* K(int il, int64_t pos) const { return layers_[static_cast<size_t>(il)].k.data() + Offset(il, pos); }
  const uint8_t* V(int il, int64_t pos) const { return layers_[static_cast<size_t>(il)].v.data() + Offset(il, pos); }
  // Converts `width` floats into the row of position `pos` (f16 round to nearest even, q8_0 by the
  // reference quantizer of quant/quantize_ref.cc).
  void StoreK(int il, int64_t pos, const float* row);
  void StoreV(int il, int64_t pos, const float* row);

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
    size_t row_bytes = 0;
    std::vector<uint8_t> k, v;  // [capacity, row_bytes]
  };
  size_t Offset(int il, int64_t pos) const {
    const Layer& l = layers_[static_cast<size_t>(il)];
    return static_cast<size_t>(pos % l.capacity) * l.row_bytes;
  }
  // Converts an f32 row into the K or V buffer `buf` of layer il at position pos.
  void Store(std::vector<uint8_t>& buf, int il, int64_t pos, const float* row);
  static int Capacity(const KvLayerSpec& s, int n_ctx, int window, int max_batch);

  std::vector<Layer> layers_;
  int n_ctx_;
  int window_;
  int max_batch_;
  GgmlType type_;
  QuantizeRowFn quantize_;  // f32 row -> type_, resolved once (stores run per token and layer)
  int64_t n_past_ = 0;
};

}  // namespace hearth
