#include "kv_cache/kv_cache.h"

#include <algorithm>
#include <optional>
#include <string>

#include "base/check.h"
#include "quant/quant_traits.h"

namespace hearth {
namespace {

size_t KvRowBytes(GgmlType type, int width) {
  const std::optional<size_t> bytes = RowBytes(type, width);
  HEARTH_CHECK(bytes.has_value() && (type == GgmlType::kF32 || type == GgmlType::kF16 || type == GgmlType::kQ8_0),
               "KV cache type %s cannot hold rows of %d values", std::string(DtypeName(type)).c_str(), width);
  return *bytes;
}

QuantizeRowFn KvQuantizer(GgmlType type) {
  const QuantTraits* traits = FindQuantTraits(type);
  HEARTH_CHECK(traits != nullptr && traits->quantize != nullptr, "KV cache type %s has no quantizer",
               std::string(DtypeName(type)).c_str());
  return traits->quantize;
}

}  // namespace

int KvCache::Capacity(const KvLayerSpec& s, int n_ctx, int window, int max_batch) {
  if (!s.owns_kv) return 0;
  if (!s.sliding) return n_ctx;
  return std::min(n_ctx, window + max_batch - 1);
}

KvCache::KvCache(std::vector<KvLayerSpec> layers, int n_ctx, int window, int max_batch, GgmlType type)
    : n_ctx_(n_ctx), window_(window), max_batch_(max_batch), type_(type), quantize_(KvQuantizer(type)) {
  layers_.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& l = layers_[i];
    l.spec = layers[i];
    l.capacity = Capacity(l.spec, n_ctx, window, max_batch);
    l.row_bytes = KvRowBytes(type, l.spec.width);
    const size_t n = static_cast<size_t>(l.capacity) * l.row_bytes;
    l.k.assign(n, 0);
    l.v.assign(n, 0);
  }
}

size_t KvCache::BytesFor(const std::vector<KvLayerSpec>& layers, int n_ctx, int window, int max_batch, GgmlType type) {
  size_t total = 0;
  for (const KvLayerSpec& s : layers) {
    total += 2 * KvRowBytes(type, s.width) * static_cast<size_t>(Capacity(s, n_ctx, window, max_batch));
  }
  return total;
}

void KvCache::Store(std::vector<uint8_t>& buf, int il, int64_t pos, const float* row) {
  quantize_(row, buf.data() + Offset(il, pos), layers_[static_cast<size_t>(il)].spec.width);
}

void KvCache::StoreK(int il, int64_t pos, const float* row) { Store(layers_[static_cast<size_t>(il)].k, il, pos, row); }

void KvCache::StoreV(int il, int64_t pos, const float* row) { Store(layers_[static_cast<size_t>(il)].v, il, pos, row); }

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
  for (const Layer& l : layers_) total += l.k.size() + l.v.size();
  return total;
}

}  // namespace hearth
