#include "kv_cache/kv_cache.h"

#include <algorithm>

namespace hearth {

int KvCache::Capacity(const KvLayerSpec& s, int n_ctx, int window, int max_batch) {
  if (!s.owns_kv) return 0;
  if (!s.sliding) return n_ctx;
  return std::min(n_ctx, window + max_batch - 1);
}

KvCache::KvCache(std::vector<KvLayerSpec> layers, int n_ctx, int window, int max_batch)
    : n_ctx_(n_ctx), window_(window), max_batch_(max_batch) {
  layers_.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& l = layers_[i];
    l.spec = layers[i];
    l.capacity = Capacity(l.spec, n_ctx, window, max_batch);
    const size_t n = static_cast<size_t>(l.capacity) * static_cast<size_t>(l.spec.width);
    l.k.assign(n, 0.0f);
    l.v.assign(n, 0.0f);
  }
}

size_t KvCache::BytesFor(const std::vector<KvLayerSpec>& layers, int n_ctx, int window, int max_batch) {
  size_t total = 0;
  for (const KvLayerSpec& s : layers) {
    total += 2 * sizeof(float) * static_cast<size_t>(Capacity(s, n_ctx, window, max_batch)) * static_cast<size_t>(s.width);
  }
  return total;
}

bool KvCache::CanRewindTo(int64_t pos) const {
  if (pos < 0 || pos > n_past_) return false;
  for (const Layer& l : layers_) {
    if (l.spec.owns_kv && l.spec.sliding && l.capacity < n_ctx_ && n_past_ - pos > l.capacity - window_ + 1) {
      return false;
    }
  }
  return true;
}

size_t KvCache::bytes() const {
  size_t total = 0;
  for (const Layer& l : layers_) total += (l.k.size() + l.v.size()) * sizeof(float);
  return total;
}

}  // namespace hearth
