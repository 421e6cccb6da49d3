// Lookup tables the tokenizer builds once at load: token text -> id, and merge pair -> rank.
// Open addressing with power-of-two capacity and linear probing; no per-entry allocation, so
// 262K tokens and 515K merges load in tens of milliseconds. Immutable after building, hence
// safe to read from many threads.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hearth::tokenizer_internal {

// 64-bit hash of a byte string (8 bytes per step, multiply-xorshift mixing).
uint64_t HashBytes(std::string_view bytes);

// Maps token texts to ids. Texts are not copied: the caller provides `text_of(id)` views that
// stay valid while the map is used (the Tokenizer keeps them in its own arena).
class TokenTextMap {
 public:
  // Sizes the table for `n_tokens` entries (load factor <= 0.5).
  void Reserve(size_t n_tokens);
  // Inserts `id` under `text` unless the text is present already (first occurrence wins).
  // Returns false when the text was present.
  bool Insert(std::string_view text, int32_t id, const std::vector<std::string_view>& texts);
  // The id of `text`, or -1.
  int32_t Find(std::string_view text, const std::vector<std::string_view>& texts) const;

 private:
  struct Slot {
    uint32_t hash_tag = 0;  // upper 32 bits of the hash, to skip most string compares
    int32_t id = -1;        // -1: empty
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// One merge rule: (left id, right id) -> rank (0 = applied first) and the merged token id.
class MergeMap {
 public:
  struct Entry {
    int32_t rank;
    int32_t result;
  };
  void Reserve(size_t n_merges);
  // Returns false when the pair is present already (the first rule wins).
  bool Insert(int32_t left, int32_t right, Entry entry);
  // The rule for (left, right), or nullptr. Both ids must be >= 0.
  const Entry* Find(int32_t left, int32_t right) const {
    if (slots_.empty()) return nullptr;
    const uint64_t key = Key(left, right);
    for (size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return &slot.entry;
      if (slot.key == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t Key(int32_t left, int32_t right) {
    return (uint64_t{static_cast<uint32_t>(left)} << 32) | static_cast<uint32_t>(right);
  }
  static uint64_t Mix(uint64_t key) {
    key ^= key >> 31;
    key *= 0x9e3779b97f4a7c15ULL;
    return key ^ (key >> 29);
  }
  struct Slot {
    uint64_t key = kEmpty;
    Entry entry{-1, -1};
  };
  std::vector<Slot> slots_;  // (capacity) with capacity a power of two, never full
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace hearth::tokenizer_internal
