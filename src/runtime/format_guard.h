// FormatGuard: a JSON format (Ollama `format`) applied at the token level for TokenStream. It
// knows the tokenizer's bytes for every id, the thought channel and end-of-generation, and asks
// a JsonMatcher about the bytes. Spec: ollama-openai-api.md, `format` applies to the answer, after
// the thinking part.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sampling/json_matcher.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

// Phases of a formatted generation:
//   start    - thinking is on (the prompt holds Gemma 4's `<|think|>`) and nothing is generated
//              yet: `<|channel>` may open the thought channel, anything else starts the value;
//   thinking - inside `<|channel>` ... `<channel|>`: free text, only end-of-generation is refused
//              (the answer must still come); also where a prompt ending in an open channel starts;
//   value    - text tokens whose bytes keep the output a valid prefix; end-of-generation only once
//              the value is complete. Control and user-defined tokens never appear in the value.
// Not thread-safe; the tokenizer must outlive it.
class FormatGuard {
 public:
  FormatGuard(const Tokenizer& tokenizer, std::shared_ptr<const JsonGrammar> grammar,
              std::span<const int32_t> prompt);

  // Whether `id` may be generated next.
  bool Allows(int32_t id) const;
  // Records the generated `id` (also one the thinking budget forced).
  void Accept(int32_t id);
  // The value is complete and nothing may follow: the generation is over.
  bool done() const;
  // Appends, in increasing order, every id in [0, n_ids) that Allows refuses. One pass over the
  // vocabulary, cut short for most ids by a first-byte check.
  void AppendRefused(int32_t n_ids, std::vector<int32_t>& out) const;

 private:
  enum class Phase { kStart, kThinking, kValue };
  // NORMAL and BYTE tokens with bytes: the only ones that may be part of the value.
  bool IsText(int32_t id) const;

  const Tokenizer& tokenizer_;
  JsonMatcher matcher_;
  int32_t open_, close_;  // `<|channel>`, `<channel|>` (-1 when the vocabulary lacks them)
  Phase phase_ = Phase::kValue;
  // AppendRefused's memo of two-byte prefixes (0 unknown, 1 viable, 2 not): most of the
  // vocabulary starts with a space, which alone says little.
  mutable std::vector<uint8_t> prefix2_;
};

}  // namespace hearth
