// Streaming decode: turns generated token ids into text chunks as they arrive, never splitting
// a UTF-8 character and optionally holding back text that may be the start of a marker the
// consumer watches for. The concatenation of all chunks (Push... then Flush) equals
// Tokenizer::Decode of the same ids with the same render_special.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace hearth {

// Borrows the Tokenizer, which must outlive it. Not thread-safe; one per generation stream.
class IncrementalDetokenizer {
 public:
  struct Options {
    // Render CONTROL tokens as their text (as Decode's render_special).
    bool render_special = false;
    // Strings the consumer scans the text for, such as stop strings or a marker typed out with
    // ordinary tokens. A suffix of the pending text that is a proper prefix of one of them is
    // held back until the next token decides it.
    std::vector<std::string> hold_back;
  };

  explicit IncrementalDetokenizer(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}
  IncrementalDetokenizer(const Tokenizer& tokenizer, Options options)
      : tokenizer_(&tokenizer), options_(std::move(options)) {}

  // Adds the piece of `id` (nothing for an id outside the vocabulary) and returns the text that
  // is now safe to emit, possibly empty.
  std::string Push(int32_t id);
  // Returns whatever is still held (including the bytes of an unfinished UTF-8 character, as
  // Decode would return them) and starts over.
  std::string Flush();
  // Drops held text and starts over.
  void Reset() { pending_.clear(); }
  // Bytes currently held back.
  size_t held() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  Options options_;
  std::string pending_;
};

// Length of the tail of `text` that is an unfinished but so far well-formed UTF-8 character
// (0 to 3 bytes).
size_t IncompleteUtf8Tail(std::string_view text);

}  // namespace hearth
