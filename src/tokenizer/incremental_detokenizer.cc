// Streaming decode (see incremental_detokenizer.h).
#include "tokenizer/incremental_detokenizer.h"

#include <algorithm>

namespace hearth {

size_t IncompleteUtf8Tail(std::string_view text) {
  // Find the last byte that is not a continuation byte, at most 3 bytes back.
  const size_t n = text.size();
  size_t lead = n;
  for (size_t back = 1; back <= std::min<size_t>(3, n); ++back) {
    if ((static_cast<unsigned char>(text[n - back]) & 0xC0) != 0x80) {
      lead = n - back;
      break;
    }
  }
  if (lead == n) return 0;
  const auto c = static_cast<unsigned char>(text[lead]);
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;  // ASCII or a byte that never starts a character
  }
  const size_t have = n - lead;
  if (have >= need) return 0;  // complete (or malformed in a way that no byte can fix)
  if (have >= 2) {
    const auto second = static_cast<unsigned char>(text[lead + 1]);
    if (second < lo || second > hi) return 0;
  }
  return have;
}

std::string IncrementalDetokenizer::Push(int32_t id) {
  pending_.append(tokenizer_->Piece(id, options_.render_special));
  size_t hold = IncompleteUtf8Tail(pending_);
  const std::string_view text = pending_;
  for (const std::string& marker : options_.hold_back) {
    const size_t longest = std::min(marker.size() - (marker.empty() ? 0 : 1), text.size());
    for (size_t k = longest; k > hold; --k) {
      if (text.ends_with(std::string_view(marker).substr(0, k))) {
        hold = k;
        break;
      }
    }
  }
  std::string ready = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return ready;
}

std::string IncrementalDetokenizer::Flush() {
  std::string rest;
  rest.swap(pending_);
  return rest;
}

}  // namespace hearth
