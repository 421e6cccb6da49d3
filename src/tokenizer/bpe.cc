// BPE merge loop (see bpe.h). Two strategies with identical results: a rescan of the live
// symbol list for short runs, and a lazily invalidated min-heap for long ones (minified code,
// base64), where rescanning would be quadratic.
#include "tokenizer/bpe.h"

#include <algorithm>

namespace hearth::tokenizer_internal {

namespace {

constexpr MergeMap::Entry kNoRule{-1, -1};

MergeMap::Entry RuleFor(const MergeMap& merges, const std::vector<BpeSymbol>& symbols,
                        int32_t left, int32_t right) {
  if (right < 0) return kNoRule;
  const int32_t a = symbols[left].id;
  const int32_t b = symbols[right].id;
  if (a < 0 || b < 0) return kNoRule;
  const MergeMap::Entry* e = merges.Find(a, b);
  return e != nullptr ? *e : kNoRule;
}

// Joins `right` into `left` (which must be adjacent), giving `left` the id `result`.
void Join(std::vector<BpeSymbol>& symbols, BpeScratch& s, int32_t left, int32_t right,
          int32_t result) {
  symbols[left].id = result;
  symbols[left].len += symbols[right].len;
  symbols[right].len = 0;  // marks `right` dead
  const int32_t after = s.next[right];
  s.next[left] = after;
  if (after >= 0) s.prev[after] = left;
}

void MergeByRescan(const MergeMap& merges, std::vector<BpeSymbol>& symbols, BpeScratch& s) {
  const auto n = static_cast<int32_t>(symbols.size());
  for (int32_t i = 0; i < n; ++i) s.pair[i] = RuleFor(merges, symbols, i, s.next[i]);
  for (;;) {
    int32_t best = -1;
    int32_t best_rank = 0;
    for (int32_t i = 0; i >= 0; i = s.next[i]) {
      const int32_t rank = s.pair[i].rank;
      if (rank >= 0 && (best < 0 || rank < best_rank)) {
        best = i;
        best_rank = rank;
      }
    }
    if (best < 0) return;
    Join(symbols, s, best, s.next[best], s.pair[best].result);
    s.pair[best] = RuleFor(merges, symbols, best, s.next[best]);
    if (s.prev[best] >= 0) s.pair[s.prev[best]] = RuleFor(merges, symbols, s.prev[best], best);
  }
}

// Heap order: lowest rank first, then leftmost.
bool Later(const BpeScratch::Candidate& a, const BpeScratch::Candidate& b) {
  return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
}

void PushCandidate(const MergeMap& merges, const std::vector<BpeSymbol>& symbols, BpeScratch& s,
                   int32_t left, int32_t right) {
  const MergeMap::Entry rule = RuleFor(merges, symbols, left, right);
  if (rule.rank < 0) return;
  s.heap.push_back({rule.rank, left, right, symbols[left].id, symbols[right].id});
  std::push_heap(s.heap.begin(), s.heap.end(), Later);
}

void MergeByHeap(const MergeMap& merges, std::vector<BpeSymbol>& symbols, BpeScratch& s) {
  const auto n = static_cast<int32_t>(symbols.size());
  s.heap.clear();
  for (int32_t i = 0; i + 1 < n; ++i) PushCandidate(merges, symbols, s, i, i + 1);
  while (!s.heap.empty()) {
    std::pop_heap(s.heap.begin(), s.heap.end(), Later);
    const BpeScratch::Candidate c = s.heap.back();
    s.heap.pop_back();
    // Stale if either side died or changed since the candidate was pushed. A symbol's id never
    // returns to an earlier value (merging only lengthens it), so comparing ids is enough.
    if (symbols[c.left].len == 0 || symbols[c.right].len == 0 || s.next[c.left] != c.right ||
        symbols[c.left].id != c.left_id || symbols[c.right].id != c.right_id) {
      continue;
    }
    const MergeMap::Entry* rule = merges.Find(c.left_id, c.right_id);
    Join(symbols, s, c.left, c.right, rule->result);
    if (s.prev[c.left] >= 0) PushCandidate(merges, symbols, s, s.prev[c.left], c.left);
    if (s.next[c.left] >= 0) PushCandidate(merges, symbols, s, c.left, s.next[c.left]);
  }
}

}  // namespace

void BpeMerge(const MergeMap& merges, std::vector<BpeSymbol>& symbols, BpeScratch& scratch,
              BpeStrategy strategy) {
  const size_t n = symbols.size();
  if (n < 2) return;
  scratch.prev.resize(n);
  scratch.next.resize(n);
  scratch.pair.resize(n);
  for (size_t i = 0; i < n; ++i) {
    scratch.prev[i] = static_cast<int32_t>(i) - 1;
    scratch.next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
  }
  const bool heap = strategy == BpeStrategy::kHeap ||
                    (strategy == BpeStrategy::kAuto && n > kBpeHeapThreshold);
  if (heap) {
    MergeByHeap(merges, symbols, scratch);
  } else {
    MergeByRescan(merges, symbols, scratch);
  }
  // Compact: the live symbols, in order, start at 0 and follow `next`.
  size_t out = 0;
  for (int32_t i = 0; i >= 0; i = scratch.next[i]) symbols[out++] = symbols[i];
  symbols.resize(out);
}

}  // namespace hearth::tokenizer_internal
