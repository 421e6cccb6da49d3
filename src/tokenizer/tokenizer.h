// Gemma 4 tokenizer (GGUF `tokenizer.ggml.model = "gemma4"`): text -> ids and ids -> text,
// exactly as llama.cpp tokenizes this vocabulary (spec: shared/spec/gemma4-tokenizer.md):
// special-token partitioning, ' ' -> U+2581, runs split at newlines, BPE over code points by
// merge rank, `<0xXX>` byte fallback. Streaming decode lives in incremental_detokenizer.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_reader.h"
#include "tokenizer/vocab_index.h"

namespace hearth {

// GGUF `tokenizer.ggml.token_type` values (numbers are the file format).
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Immutable after FromGguf: Encode/Decode are const and safe to call from many threads at once.
// Owns copies of all token texts, so it does not borrow from the GgufFile it was loaded from.
// Movable, not copyable (the vocabulary is several MB).
class Tokenizer {
 public:
  // Reads the `tokenizer.ggml.*` keys. Fails with kUnsupported for other tokenizer models and
  // kCorruptFile for inconsistent arrays, ids out of range or missing byte tokens.
  static Result<Tokenizer> FromGguf(const GgufFile& gguf);

  Tokenizer(Tokenizer&&) noexcept = default;
  Tokenizer& operator=(Tokenizer&&) noexcept = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Text -> ids. `parse_special`: CONTROL token texts (`<|turn>`, `<bos>`, ...) in `text` become
  // their ids; otherwise they are tokenized as plain text. USER_DEFINED tokens (`<|channel>`,
  // `<|tool_call>`, ...) are matched either way, as llama.cpp does. `add_bos`: prepend BOS
  // unless the text already starts with it. Fails only for inputs of 2 GiB or more.
  Result<std::vector<int32_t>> Encode(std::string_view text, bool parse_special,
                                      bool add_bos = false) const;

  // Ids -> text. NORMAL tokens with U+2581 as space, BYTE tokens as raw bytes (so the result is
  // not guaranteed valid UTF-8), USER_DEFINED tokens literally, CONTROL tokens empty unless
  // `render_special`. No clean-up of spaces. Fails for ids outside [0, n_vocab).
  Result<std::string> Decode(std::span<const int32_t> ids, bool render_special = false) const;

  // The bytes `id` decodes to (see Decode); empty for an id out of range.
  std::string_view Piece(int32_t id, bool render_special = false) const;

  int32_t n_vocab() const { return static_cast<int32_t>(texts_.size()); }
  bool IsValid(int32_t id) const { return id >= 0 && id < n_vocab(); }
  // Vocabulary text of `id` (U+2581 for spaces, `<0x0A>` for byte tokens); empty if invalid.
  std::string_view TokenText(int32_t id) const { return IsValid(id) ? texts_[id] : std::string_view(); }
  TokenType Type(int32_t id) const { return IsValid(id) ? types_[id] : TokenType::kUndefined; }
  bool IsControl(int32_t id) const { return Type(id) == TokenType::kControl; }
  bool IsUserDefined(int32_t id) const { return Type(id) == TokenType::kUserDefined; }
  bool IsByte(int32_t id) const { return Type(id) == TokenType::kByte; }
  // End of generation: `<eos>`, `<turn|>`, `<|tool_response>` for Gemma 4 (plus eot/eom ids if
  // the file names them).
  bool IsEog(int32_t id) const;
  const std::vector<int32_t>& eog_ids() const { return eog_ids_; }
  // Id of the token whose vocabulary text is exactly `piece`, or -1.
  int32_t TokenId(std::string_view piece) const { return text_to_id_.Find(piece, texts_); }

  int32_t bos_id() const { return bos_id_; }
  int32_t eos_id() const { return eos_id_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t pad_id() const { return pad_id_; }
  bool add_bos() const { return add_bos_; }
  // Id of the byte-fallback token for byte `b`.
  int32_t ByteToken(uint8_t b) const { return byte_ids_[b]; }
  // The merge rules, for tests of the BPE core.
  const tokenizer_internal::MergeMap& merge_map() const { return merges_; }

 private:
  Tokenizer() = default;
  struct Fragment {
    std::string_view text;  // raw text, when id < 0
    int32_t id;             // a special token matched in the text
  };
  // Fragments in `text` split by special tokens; see the spec, section 4 step 1.
  void Partition(std::string_view text, bool parse_special, std::vector<Fragment>& out) const;
  class EncodeSession;

  // Arenas are vectors, not strings: moving a vector keeps its buffer, so the views stay valid
  // when the Tokenizer moves.
  std::vector<char> text_arena_;           // all token texts, back to back
  std::vector<std::string_view> texts_;    // (n_vocab) views into text_arena_
  std::vector<char> piece_arena_;          // all decoded pieces, back to back
  std::vector<std::string_view> pieces_;   // (n_vocab) views into piece_arena_
  std::vector<TokenType> types_;           // (n_vocab)
  tokenizer_internal::TokenTextMap text_to_id_;
  tokenizer_internal::MergeMap merges_;
  int32_t ascii_ids_[128] = {};            // id of each single ASCII character, -1 if none
  int32_t byte_ids_[256] = {};             // id of `<0xXX>`
  // Special-token candidates, longest text first; `user_defined` ones match without
  // parse_special.
  struct Special {
    std::string_view text;
    int32_t id;
    bool user_defined;
  };
  std::vector<Special> specials_;
  bool special_first_byte_[256] = {};
  // Characters c != U+2581 such that some token contains c followed by U+2581 (for Gemma 4
  // only '>'). No merge can cross the point just before a U+2581 preceded by any other
  // character, so a run may be cut there without changing the BPE result; Encode uses this
  // to reuse the result for repeated words.
  bool glue_ascii_[128] = {};
  std::vector<std::string> glue_other_;
  std::vector<int32_t> eog_ids_;
  int32_t bos_id_ = -1;
  int32_t eos_id_ = -1;
  int32_t unk_id_ = -1;
  int32_t pad_id_ = -1;
  bool add_bos_ = true;
};

}  // namespace hearth
