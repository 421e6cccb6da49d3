// JsonMatcher: a byte-level pushdown recognizer for a JsonGrammar. Given the bytes emitted so
// far it answers whether more bytes keep the text a prefix of some value the grammar accepts,
// and whether the value is complete. The sampler asks it about each candidate token's bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sampling/json_schema.h"

namespace hearth {

// Output the matcher accepts, beyond the grammar:
//   * whitespace between tokens, at most kMaxWhitespaceRun bytes with at most 2 line breaks in a
//     row (so a weak model cannot loop on blanks);
//   * numbers with at most 16 integer digits, 16 fraction digits and 2 exponent digits (every
//     accepted number fits a double, and digit loops end);
//   * nesting of objects and arrays at most kMaxNesting deep;
//   * strings: valid UTF-8 (no overlongs, no surrogates), escapes per RFC 8259 with \u surrogates
//     only in high-low pairs, so every accepted value parses with strict JSON parsers;
//   * nothing after the top-level value, not even whitespace (the generation ends there).
// Alternatives (anyOf, enums, optional keys) are followed in parallel: the state is a small set
// of stacks, each a viable parse of the text so far.
// Not thread-safe (scratch buffers); copyable.
class JsonMatcher {
 public:
  static constexpr int kMaxWhitespaceRun = 24;
  static constexpr int kMaxNesting = 32;

  explicit JsonMatcher(std::shared_ptr<const JsonGrammar> grammar);

  // Advances over `bytes`; false (state unchanged) when some byte would leave the grammar.
  bool Accept(std::string_view bytes);
  // Whether Accept(bytes) would succeed; leaves the state unchanged.
  bool Allows(std::string_view bytes) const;
  // allowed[b]: whether byte b may come next. Cheap pre-filter for scanning a vocabulary.
  void AllowedFirstBytes(std::array<bool, 256>& allowed) const;

  // The text so far is a whole value (a generation may end here).
  bool complete() const;
  // Some byte may still follow (false once a closing bracket ends the top-level value).
  bool can_continue() const;

 private:
  struct Frame {
    int32_t node = -1;  // grammar node (-1: a free object key)
    uint8_t kind = 0;   // FrameKind in json_matcher.cc
    uint8_t state = 0;  // per kind
    uint8_t ws = 0;     // bytes in the current whitespace run
    uint8_t lines = 0;  // line breaks in it
    int32_t a = 0;      // object: next property; array: items; string: code points; literal: which; number: digits
    int32_t b = 0;      // object: chosen property; literal: position; string: hex digits / UTF-8 bytes left
    int32_t c = 0;      // string: \u value so far / allowed range of the next UTF-8 byte
    bool operator==(const Frame&) const = default;
  };
  using Stack = std::vector<Frame>;
  // Every viable parse, each stack stored back to back in `frames`; stack i ends at ends[i].
  struct StackSet {
    std::vector<Frame> frames;
    std::vector<uint32_t> ends;
    void Clear() {
      frames.clear();
      ends.clear();
    }
    void Add(const Stack& s);
    bool Contains(const Frame* begin, size_t n) const;
  };

  // Feeds byte `c` to the stack `s` (consumed), adding the stacks it leads to to `out`.
  void Feed(Stack& s, uint8_t c, StackSet& out) const;
  // Pushes the frames that start a value of `node` onto copies of `s`, one per alternative.
  void Expand(const Stack& s, int32_t node, std::vector<Stack>& out) const;
  void FeedObject(Stack& s, uint8_t c, StackSet& out) const;
  void FeedArray(Stack& s, uint8_t c, StackSet& out) const;
  // Counts `c` (whitespace) into the frame's run; false when the run is at its bound.
  static bool TakeWhitespace(Frame& f, uint8_t c);
  // Then Feed each expanded stack with `c`.
  void ExpandAndFeed(const Stack& s, int32_t node, uint8_t c, StackSet& out) const;
  bool Step(const StackSet& in, uint8_t c, StackSet& out) const;

  std::shared_ptr<const JsonGrammar> grammar_;
  StackSet state_;
  mutable StackSet scratch_[2];
  mutable Stack work_;
};

}  // namespace hearth
