// Hash tables for token texts and merge pairs (see vocab_index.h).
#include "tokenizer/vocab_index.h"

#include <bit>
#include <cstring>

namespace hearth::tokenizer_internal {

namespace {

constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;

uint64_t Mix64(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

size_t TableSize(size_t n) {
  // At least twice the entries, and at least 16 slots.
  return std::bit_ceil(n * 2 < 16 ? size_t{16} : n * 2);
}

}  // namespace

uint64_t HashBytes(std::string_view bytes) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = n * kMul;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ Mix64(word)) * kMul;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t word = 0;
    std::memcpy(&word, p, n);
    h = (h ^ Mix64(word)) * kMul;
  }
  return Mix64(h);
}

void TokenTextMap::Reserve(size_t n_tokens) {
  slots_.assign(TableSize(n_tokens), Slot{});
  mask_ = slots_.size() - 1;
}

bool TokenTextMap::Insert(std::string_view text, int32_t id,
                          const std::vector<std::string_view>& texts) {
  const uint64_t h = HashBytes(text);
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.id < 0) {
      slot = {tag, id};
      return true;
    }
    if (slot.hash_tag == tag && texts[slot.id] == text) return false;
  }
}

int32_t TokenTextMap::Find(std::string_view text, const std::vector<std::string_view>& texts) const {
  if (slots_.empty()) return -1;
  const uint64_t h = HashBytes(text);
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return -1;
    if (slot.hash_tag == tag && texts[slot.id] == text) return slot.id;
  }
}

void MergeMap::Reserve(size_t n_merges) {
  slots_.assign(TableSize(n_merges), Slot{});
  mask_ = slots_.size() - 1;
  size_ = 0;
}

bool MergeMap::Insert(int32_t left, int32_t right, Entry entry) {
  const uint64_t key = Key(left, right);
  for (size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.key == key) return false;
    if (slot.key == kEmpty) {
      slot = {key, entry};
      ++size_;
      return true;
    }
  }
}

}  // namespace hearth::tokenizer_internal
