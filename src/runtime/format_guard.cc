// FormatGuard: the token-level side of a JSON format (see format_guard.h).
#include "runtime/format_guard.h"

#include <array>

namespace hearth {

FormatGuard::FormatGuard(const Tokenizer& tokenizer, std::shared_ptr<const JsonGrammar> grammar,
                         std::span<const int32_t> prompt)
    : tokenizer_(tokenizer), matcher_(std::move(grammar)), open_(tokenizer.TokenId("<|channel>")),
      close_(tokenizer.TokenId("<channel|>")) {
  // Gemma 4's template turns thinking on with `<|think|>` in the system turn; after tool results
  // it may pre-open the channel, so the prompt can end inside it.
  const int32_t think = tokenizer.TokenId("<|think|>");
  bool thinking = false, inside = false;
  for (int32_t id : prompt) {
    if (id == think) thinking = true;
    if (id == open_) inside = true;
    if (id == close_) inside = false;
  }
  if (open_ >= 0 && close_ >= 0) {
    if (inside) {
      phase_ = Phase::kThinking;
    } else if (thinking) {
      phase_ = Phase::kStart;
    }
  }
}

bool FormatGuard::IsText(int32_t id) const {
  const TokenType type = tokenizer_.Type(id);
  return (type == TokenType::kNormal || type == TokenType::kByte) && !tokenizer_.Piece(id).empty();
}

bool FormatGuard::Allows(int32_t id) const {
  if (!tokenizer_.IsValid(id)) return false;
  if (phase_ == Phase::kThinking) return !tokenizer_.IsEog(id);
  if (phase_ == Phase::kStart && id == open_) return true;
  if (tokenizer_.IsEog(id)) return matcher_.complete();
  return IsText(id) && matcher_.Allows(tokenizer_.Piece(id));
}

void FormatGuard::Accept(int32_t id) {
  switch (phase_) {
    case Phase::kThinking:
      if (id == close_) phase_ = Phase::kValue;
      return;
    case Phase::kStart:
      if (id == open_) {
        phase_ = Phase::kThinking;
        return;
      }
      phase_ = Phase::kValue;
      [[fallthrough]];
    case Phase::kValue:
      // A refused id only arrives when nothing was allowed; the matcher then stays where it was.
      if (IsText(id)) (void)matcher_.Accept(tokenizer_.Piece(id));
      return;
  }
}

bool FormatGuard::done() const {
  return phase_ == Phase::kValue && matcher_.complete() && !matcher_.can_continue();
}

void FormatGuard::AppendRefused(int32_t n_ids, std::vector<int32_t>& out) const {
  if (phase_ == Phase::kThinking) {
    for (int32_t id = 0; id < n_ids; ++id) {
      if (!tokenizer_.IsValid(id) || tokenizer_.IsEog(id)) out.push_back(id);
    }
    return;
  }
  std::array<bool, 256> first{};
  matcher_.AllowedFirstBytes(first);
  prefix2_.assign(size_t{1} << 16, 0);
  const bool complete = matcher_.complete();
  for (int32_t id = 0; id < n_ids; ++id) {
    bool allowed;
    if (!tokenizer_.IsValid(id)) {
      allowed = false;
    } else if (phase_ == Phase::kStart && id == open_) {
      allowed = true;
    } else if (tokenizer_.IsEog(id)) {
      allowed = complete;
    } else if (!IsText(id)) {
      allowed = false;
    } else {
      const std::string_view piece = tokenizer_.Piece(id);
      const auto b0 = static_cast<uint8_t>(piece[0]);
      allowed = first[b0];
      if (allowed && piece.size() > 1) {
        uint8_t& viable = prefix2_[b0 << 8 | static_cast<uint8_t>(piece[1])];
        if (viable == 0) viable = matcher_.Allows(piece.substr(0, 2)) ? 1 : 2;
        allowed = viable == 1 && (piece.size() == 2 || matcher_.Allows(piece));
      }
    }
    if (!allowed) out.push_back(id);
  }
}

}  // namespace hearth
