// The BPE merge loop over one pre-tokenized run: repeatedly merge the adjacent pair with the
// lowest merge rank (leftmost on ties) until no adjacent pair has a rule. Knows nothing about
// text normalization, special tokens or byte fallback (tokenizer.cc does those).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tokenizer/vocab_index.h"

namespace hearth::tokenizer_internal {

// One symbol: a token id (or -1 for a character that is not a token and so never merges) and
// its byte span in the run being encoded.
struct BpeSymbol {
  int32_t id;
  uint32_t begin;
  uint32_t len;
};

// Reusable buffers, so encoding many runs allocates only while they grow.
struct BpeScratch {
  std::vector<int32_t> prev, next;          // (n_symbols) linked list; -1 ends it
  std::vector<MergeMap::Entry> pair;        // (n_symbols) rule for (i, next[i]); rank -1: none
  struct Candidate {
    int32_t rank, left, right, left_id, right_id;
  };
  std::vector<Candidate> heap;              // min-heap on (rank, left)
};

// Runs with more symbols than this use the priority queue (O(n log n)); shorter ones rescan
// the list for the best pair after every merge, which is faster for a handful of symbols.
inline constexpr size_t kBpeHeapThreshold = 48;

enum class BpeStrategy { kAuto, kRescan, kHeap };

// Merges `symbols` in place; on return it holds the final symbols in text order.
void BpeMerge(const MergeMap& merges, std::vector<BpeSymbol>& symbols, BpeScratch& scratch,
              BpeStrategy strategy = BpeStrategy::kAuto);

}  // namespace hearth::tokenizer_internal
