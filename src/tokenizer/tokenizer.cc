// Gemma 4 tokenizer: vocabulary loading from GGUF, encoding and decoding (see tokenizer.h).
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "tokenizer/bpe.h"

namespace hearth {

using tokenizer_internal::BpeMerge;
using tokenizer_internal::BpeScratch;
using tokenizer_internal::BpeSymbol;
using tokenizer_internal::HashBytes;
using tokenizer_internal::MergeMap;

namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581, stands for ' ' in tokens
constexpr size_t kMaxTokens = size_t{1} << 24;
constexpr size_t kMaxMerges = size_t{1} << 26;
constexpr size_t kMaxInputBytes = (size_t{1} << 31) - 1;

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 if it is malformed
// (overlong forms, surrogates and code points above U+10FFFF count as malformed).
size_t Utf8SequenceLength(const unsigned char* s, size_t n) {
  const unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
  }
  return len;
}

// Parses "<0xXX>" (upper- or lower-case hex); -1 if `text` has another form.
int ParseByteToken(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

Result<const GgufValue*> FindArray(const GgufFile& gguf, std::string_view key, GgufValueType type,
                                   bool required) {
  const GgufValue* v = gguf.Find(key);
  if (v == nullptr) {
    if (!required) return static_cast<const GgufValue*>(nullptr);
    return NotFound("key " + std::string(key) + ": missing");
  }
  if (!v->is_array() || v->array_type != type) {
    return CorruptFile("key " + std::string(key) + ": expected an array of " +
                       std::string(GgufValueTypeName(type)));
  }
  return v;
}

// Reads an optional token-id key; -1 when absent.
Result<int32_t> OptionalTokenId(const GgufFile& gguf, std::string_view key, size_t n_vocab) {
  if (gguf.Find(key) == nullptr) return -1;
  HEARTH_ASSIGN_OR_RETURN(uint64_t id, gguf.GetUint(key));
  if (id >= n_vocab) {
    return CorruptFile("key " + std::string(key) + ": token id " + std::to_string(id) +
                       " >= vocabulary size " + std::to_string(n_vocab));
  }
  return static_cast<int32_t>(id);
}

// NORMAL-token text as it decodes: every U+2581 becomes a space.
void AppendUnescaped(std::string_view text, std::vector<char>& out) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t hit = text.find(kSpaceMark, i);
    const size_t end = hit == std::string_view::npos ? text.size() : hit;
    out.insert(out.end(), text.begin() + i, text.begin() + end);
    if (hit == std::string_view::npos) break;
    out.push_back(' ');
    i = hit + kSpaceMark.size();
  }
}

}  // namespace

Result<Tokenizer> Tokenizer::FromGguf(const GgufFile& gguf) {
  HEARTH_ASSIGN_OR_RETURN(std::string_view model, gguf.GetString("tokenizer.ggml.model"));
  if (model != "gemma4") {
    return Unsupported("key tokenizer.ggml.model: tokenizer \"" + std::string(model) +
                       "\" is not supported (expected \"gemma4\")");
  }
  HEARTH_ASSIGN_OR_RETURN(const GgufValue* tokens,
                          FindArray(gguf, "tokenizer.ggml.tokens", GgufValueType::kString, true));
  const size_t n_vocab = tokens->strings.size();
  if (n_vocab == 0 || n_vocab > kMaxTokens || n_vocab != tokens->array_size) {
    return CorruptFile("key tokenizer.ggml.tokens: " + std::to_string(n_vocab) +
                       " tokens (expected 1.." + std::to_string(kMaxTokens) + ")");
  }
  const GgufValue* types = gguf.Find("tokenizer.ggml.token_type");
  if (types == nullptr || !types->is_array() ||
      types->array_size != n_vocab ||
      (types->array_type != GgufValueType::kInt32 && types->array_type != GgufValueType::kUint32)) {
    return CorruptFile("key tokenizer.ggml.token_type: expected " + std::to_string(n_vocab) +
                       " int32 token types");
  }
  HEARTH_ASSIGN_OR_RETURN(const GgufValue* merges,
                          FindArray(gguf, "tokenizer.ggml.merges", GgufValueType::kString, true));
  if (merges->strings.size() > kMaxMerges) {
    return CorruptFile("key tokenizer.ggml.merges: " + std::to_string(merges->strings.size()) +
                       " merges (at most " + std::to_string(kMaxMerges) + ")");
  }

  Tokenizer t;
  // Token texts and types.
  size_t text_bytes = 0;
  for (std::string_view s : tokens->strings) text_bytes += s.size();
  t.text_arena_.reserve(text_bytes);
  t.texts_.reserve(n_vocab);
  t.types_.resize(n_vocab);
  for (size_t id = 0; id < n_vocab; ++id) {
    const std::string_view s = tokens->strings[id];
    t.text_arena_.insert(t.text_arena_.end(), s.begin(), s.end());
    const int64_t type = types->ArrayInt(id);
    if (type < 0 || type > static_cast<int64_t>(TokenType::kByte)) {
      return CorruptFile("key tokenizer.ggml.token_type: token " + std::to_string(id) +
                         " has unknown type " + std::to_string(type));
    }
    t.types_[id] = static_cast<TokenType>(type);
  }
  for (size_t id = 0, offset = 0; id < n_vocab; ++id) {
    const size_t len = tokens->strings[id].size();
    t.texts_.emplace_back(t.text_arena_.data() + offset, len);
    offset += len;
  }

  // text -> id, single ASCII characters, byte tokens, special-token candidates.
  t.text_to_id_.Reserve(n_vocab);
  std::fill(std::begin(t.ascii_ids_), std::end(t.ascii_ids_), -1);
  std::fill(std::begin(t.byte_ids_), std::end(t.byte_ids_), -1);
  for (size_t i = 0; i < n_vocab; ++i) t.text_to_id_.Insert(t.texts_[i], static_cast<int32_t>(i), t.texts_);

  // Special ids. llama.cpp always adds BOS for Gemma 4, whatever add_bos_token says.
  HEARTH_ASSIGN_OR_RETURN(t.bos_id_, OptionalTokenId(gguf, "tokenizer.ggml.bos_token_id", n_vocab));
  HEARTH_ASSIGN_OR_RETURN(t.eos_id_, OptionalTokenId(gguf, "tokenizer.ggml.eos_token_id", n_vocab));
  HEARTH_ASSIGN_OR_RETURN(t.unk_id_,
                          OptionalTokenId(gguf, "tokenizer.ggml.unknown_token_id", n_vocab));
  HEARTH_ASSIGN_OR_RETURN(t.pad_id_,
                          OptionalTokenId(gguf, "tokenizer.ggml.padding_token_id", n_vocab));
  HEARTH_ASSIGN_OR_RETURN(int32_t eot_id,
                          OptionalTokenId(gguf, "tokenizer.ggml.eot_token_id", n_vocab));
  HEARTH_ASSIGN_OR_RETURN(int32_t eom_id,
                          OptionalTokenId(gguf, "tokenizer.ggml.eom_token_id", n_vocab));
  if (t.bos_id_ < 0) t.bos_id_ = t.TokenId("<bos>");
  if (t.eos_id_ < 0) t.eos_id_ = t.TokenId("<eos>");
  t.add_bos_ = t.bos_id_ >= 0;
  for (int32_t id : {t.eos_id_, eot_id, eom_id, t.TokenId("<eos>"), t.TokenId("<turn|>"),
                     t.TokenId("<|tool_response>")}) {
    if (id >= 0 && std::find(t.eog_ids_.begin(), t.eog_ids_.end(), id) == t.eog_ids_.end()) {
      t.eog_ids_.push_back(id);
      // llama.cpp promotes end-of-generation tokens to CONTROL: `<|tool_response>` (USER_DEFINED
      // in the file) is then matched in text only with parse_special and not rendered by
      // default. Do the same, so ids and text agree with it.
      if (t.types_[id] == TokenType::kNormal || t.types_[id] == TokenType::kUserDefined) {
        t.types_[id] = TokenType::kControl;
      }
    }
  }

  for (size_t i = 0; i < n_vocab; ++i) {
    const auto id = static_cast<int32_t>(i);
    const std::string_view text = t.texts_[i];
    const TokenType type = t.types_[i];
    if (type == TokenType::kByte) {
      const int b = ParseByteToken(text);
      if (b < 0) {
        return CorruptFile("byte token " + std::to_string(id) + " has text \"" +
                           std::string(text) + "\" (expected <0xXX>)");
      }
      if (t.byte_ids_[b] < 0) t.byte_ids_[b] = id;
    } else if (type == TokenType::kControl || type == TokenType::kUserDefined ||
               type == TokenType::kUnknown) {
      if (!text.empty()) {
        t.specials_.push_back({text, id, type == TokenType::kUserDefined});
        t.special_first_byte_[static_cast<unsigned char>(text[0])] = true;
      }
    }
  }
  for (int c = 0; c < 128; ++c) {
    const char ch = static_cast<char>(c);
    t.ascii_ids_[c] = t.text_to_id_.Find(std::string_view(&ch, 1), t.texts_);
  }
  for (int b = 0; b < 256; ++b) {
    if (t.byte_ids_[b] < 0) {
      return CorruptFile("vocabulary lacks the byte-fallback token for byte " + std::to_string(b));
    }
  }
  // Longest first; equal lengths keep id order (stable), as in llama.cpp.
  std::stable_sort(t.specials_.begin(), t.specials_.end(),
                   [](const Special& a, const Special& b) { return a.text.size() > b.text.size(); });

  // Decoded pieces.
  t.piece_arena_.reserve(text_bytes);
  std::vector<size_t> piece_end(n_vocab);
  for (size_t id = 0; id < n_vocab; ++id) {
    const std::string_view text = t.texts_[id];
    switch (t.types_[id]) {
      case TokenType::kNormal:
      case TokenType::kUndefined:
        AppendUnescaped(text, t.piece_arena_);
        break;
      case TokenType::kByte:
        t.piece_arena_.push_back(static_cast<char>(ParseByteToken(text)));
        break;
      default:  // control, user-defined, unknown, unused: the literal text
        t.piece_arena_.insert(t.piece_arena_.end(), text.begin(), text.end());
        break;
    }
    piece_end[id] = t.piece_arena_.size();
  }
  t.pieces_.reserve(n_vocab);
  for (size_t id = 0, begin = 0; id < n_vocab; ++id) {
    t.pieces_.emplace_back(t.piece_arena_.data() + begin, piece_end[id] - begin);
    begin = piece_end[id];
  }

  // Characters that some token glues to a following U+2581 (see glue_ascii_).
  for (std::string_view text : t.texts_) {
    for (size_t pos = text.find(kSpaceMark, 1); pos != std::string_view::npos;
         pos = text.find(kSpaceMark, pos + 1)) {
      size_t start = pos - 1;
      while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      const std::string_view prev = text.substr(start, pos - start);
      if (prev == kSpaceMark) continue;
      if (prev.size() == 1 && static_cast<unsigned char>(prev[0]) < 0x80) {
        t.glue_ascii_[static_cast<unsigned char>(prev[0])] = true;
      } else if (std::find(t.glue_other_.begin(), t.glue_other_.end(), prev) ==
                 t.glue_other_.end()) {
        t.glue_other_.emplace_back(prev);
      }
    }
  }

  // Merges: "left right" at index rank. Rules whose parts or result are not tokens can never
  // fire on symbols that are tokens, so they are dropped.
  t.merges_.Reserve(merges->strings.size());
  std::string joined;
  for (size_t rank = 0; rank < merges->strings.size(); ++rank) {
    const std::string_view m = merges->strings[rank];
    const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos) {
      return CorruptFile("key tokenizer.ggml.merges: entry " + std::to_string(rank) +
                         " has no separating space");
    }
    const std::string_view left = m.substr(0, space);
    const std::string_view right = m.substr(space + 1);
    const int32_t left_id = t.text_to_id_.Find(left, t.texts_);
    const int32_t right_id = t.text_to_id_.Find(right, t.texts_);
    if (left_id < 0 || right_id < 0) continue;
    joined.assign(left);
    joined.append(right);
    const int32_t result = t.text_to_id_.Find(joined, t.texts_);
    if (result < 0) continue;
    t.merges_.Insert(left_id, right_id, {static_cast<int32_t>(rank), result});
  }

  return t;
}

bool Tokenizer::IsEog(int32_t id) const {
  return std::find(eog_ids_.begin(), eog_ids_.end(), id) != eog_ids_.end();
}

std::string_view Tokenizer::Piece(int32_t id, bool render_special) const {
  if (!IsValid(id)) return {};
  const TokenType type = types_[id];
  if (!render_special && (type == TokenType::kControl || type == TokenType::kUnknown ||
                          type == TokenType::kUnused)) {
    return {};
  }
  return pieces_[id];
}

Result<std::string> Tokenizer::Decode(std::span<const int32_t> ids, bool render_special) const {
  size_t bytes = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!IsValid(ids[i])) {
      return InvalidArgument("decode: token id " + std::to_string(ids[i]) + " at position " +
                             std::to_string(i) + " is outside [0, " + std::to_string(n_vocab()) +
                             ")");
    }
    bytes += pieces_[ids[i]].size();
  }
  std::string out;
  out.reserve(bytes);
  for (int32_t id : ids) out.append(Piece(id, render_special));
  return out;
}

void Tokenizer::Partition(std::string_view text, bool parse_special,
                          std::vector<Fragment>& out) const {
  out.clear();
  out.push_back({text, -1});
  // Which candidates occur at all? One pass over the text; normal prose has few '<'.
  std::vector<bool> present(specials_.size(), false);
  bool any = false;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (!special_first_byte_[static_cast<unsigned char>(text[pos])]) continue;
    const std::string_view rest = text.substr(pos);
    for (size_t k = 0; k < specials_.size(); ++k) {
      if (!present[k] && (parse_special || specials_[k].user_defined) &&
          rest.starts_with(specials_[k].text)) {
        present[k] = true;
        any = true;
      }
    }
  }
  if (!any) return;
  // Longest candidate first: each occurrence in a raw fragment splits it in three.
  std::vector<Fragment> next;
  for (size_t k = 0; k < specials_.size(); ++k) {
    if (!present[k]) continue;
    const Special& special = specials_[k];
    next.clear();
    for (const Fragment& f : out) {
      if (f.id >= 0) {
        next.push_back(f);
        continue;
      }
      std::string_view rest = f.text;
      for (size_t hit = rest.find(special.text); hit != std::string_view::npos;
           hit = rest.find(special.text)) {
        if (hit > 0) next.push_back({rest.substr(0, hit), -1});
        next.push_back({{}, special.id});
        rest.remove_prefix(hit + special.text.size());
      }
      if (!rest.empty()) next.push_back({rest, -1});
    }
    out.swap(next);
  }
}

// State for one Encode call: scratch buffers and a cache of already-encoded segments (words
// with their leading U+2581), keyed by their bytes in `normalized_`.
class Tokenizer::EncodeSession {
 public:
  EncodeSession(const Tokenizer& tok, size_t text_bytes, size_t n_spaces) : tok_(tok) {
    normalized_.reserve(text_bytes + 2 * n_spaces);
    use_cache_ = text_bytes >= kMinCacheText;
    if (use_cache_) cache_.resize(std::bit_ceil(std::clamp<size_t>(text_bytes / 16, 256, 65536)));
  }

  // Encodes one raw-text fragment, appending ids to `out`.
  void EncodeRaw(std::string_view raw, std::vector<int32_t>& out) {
    // Normalize (' ' -> U+2581) into the session buffer; its capacity was reserved for the
    // whole text, so earlier views (cache keys) stay valid.
    const size_t begin = normalized_.size();
    for (char c : raw) {
      if (c == ' ') {
        normalized_.append(kSpaceMark);
      } else {
        normalized_.push_back(c);
      }
    }
    const std::string_view text(normalized_.data() + begin, normalized_.size() - begin);
    // Runs of '\n' and runs of everything else are encoded independently.
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = pos;
      if (text[pos] == '\n') {
        while (end < text.size() && text[end] == '\n') ++end;
        const std::string_view run = text.substr(pos, end - pos);
        const int32_t whole = tok_.TokenId(run);
        if (whole >= 0) {
          out.push_back(whole);
        } else {
          EncodeSegment(run, out);
        }
      } else {
        const size_t newline = text.find('\n', pos);
        end = newline == std::string_view::npos ? text.size() : newline;
        EncodeLine(text.substr(pos, end - pos), out);
      }
      pos = end;
    }
  }

 private:
  static constexpr size_t kMinCacheText = 256;
  static constexpr size_t kMaxCachedSegment = 128;

  // A newline-free run: cut before each U+2581 that no token glues to its left neighbour.
  void EncodeLine(std::string_view line, std::vector<int32_t>& out) {
    size_t start = 0;
    for (size_t pos = 1; pos + 2 < line.size(); ++pos) {
      if (line[pos] != kSpaceMark[0] || line[pos + 1] != kSpaceMark[1] ||
          line[pos + 2] != kSpaceMark[2] || !CanCutBefore(line, pos)) {
        continue;
      }
      EncodeSegment(line.substr(start, pos - start), out);
      start = pos;
      pos += 2;
    }
    EncodeSegment(line.substr(start), out);
  }

  bool CanCutBefore(std::string_view line, size_t pos) const {
    const auto last = static_cast<unsigned char>(line[pos - 1]);
    if (last < 0x80) return !tok_.glue_ascii_[last];
    size_t start = pos - 1;
    while (start > 0 && (static_cast<unsigned char>(line[start]) & 0xC0) == 0x80) --start;
    const std::string_view prev = line.substr(start, pos - start);
    if (prev == kSpaceMark) return false;
    return std::find(tok_.glue_other_.begin(), tok_.glue_other_.end(), prev) ==
           tok_.glue_other_.end();
  }

  struct CacheSlot {
    uint64_t hash = 0;
    const char* key = nullptr;  // into normalized_; null: empty slot
    uint32_t key_len = 0;
    uint32_t out_begin = 0;     // the segment's ids are out[out_begin, out_begin + out_count)
    uint32_t out_count = 0;
  };

  void EncodeSegment(std::string_view segment, std::vector<int32_t>& out) {
    if (!use_cache_ || segment.size() > kMaxCachedSegment) {
      RunBpe(segment, out);
      return;
    }
    const uint64_t h = HashBytes(segment);
    const size_t mask = cache_.size() - 1;
    size_t i = h & mask;
    for (; cache_[i].key != nullptr; i = (i + 1) & mask) {
      const CacheSlot& slot = cache_[i];
      if (slot.hash == h && std::string_view(slot.key, slot.key_len) == segment) {
        // Copy by index: `out` may reallocate while growing.
        const size_t at = out.size();
        out.resize(at + slot.out_count);
        std::copy_n(out.begin() + slot.out_begin, slot.out_count, out.begin() + at);
        return;
      }
    }
    const size_t before = out.size();
    RunBpe(segment, out);
    cache_[i] = {h, segment.data(), static_cast<uint32_t>(segment.size()),
                 static_cast<uint32_t>(before), static_cast<uint32_t>(out.size() - before)};
    if (++cache_used_ * 2 > cache_.size()) GrowCache();
  }

  void GrowCache() {
    std::vector<CacheSlot> old(cache_.size() * 2);
    old.swap(cache_);
    const size_t mask = cache_.size() - 1;
    for (const CacheSlot& slot : old) {
      if (slot.key == nullptr) continue;
      size_t i = slot.hash & mask;
      while (cache_[i].key != nullptr) i = (i + 1) & mask;
      cache_[i] = slot;
    }
  }

  void RunBpe(std::string_view segment, std::vector<int32_t>& out) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(segment.data());
    symbols_.clear();
    for (size_t pos = 0; pos < segment.size();) {
      size_t len = Utf8SequenceLength(bytes + pos, segment.size() - pos);
      int32_t id;
      if (len == 0) {  // malformed: the byte alone (it falls back to its byte token)
        len = 1;
        id = tok_.text_to_id_.Find(segment.substr(pos, 1), tok_.texts_);
      } else if (len == 1) {
        id = tok_.ascii_ids_[bytes[pos]];
      } else {
        id = tok_.text_to_id_.Find(segment.substr(pos, len), tok_.texts_);
      }
      symbols_.push_back({id, static_cast<uint32_t>(pos), static_cast<uint32_t>(len)});
      pos += len;
    }
    BpeMerge(tok_.merges_, symbols_, scratch_);
    for (const BpeSymbol& s : symbols_) {
      if (s.id >= 0) {
        out.push_back(s.id);
      } else {
        for (uint32_t k = 0; k < s.len; ++k) out.push_back(tok_.byte_ids_[bytes[s.begin + k]]);
      }
    }
  }

  const Tokenizer& tok_;
  std::string normalized_;
  std::vector<BpeSymbol> symbols_;
  BpeScratch scratch_;
  bool use_cache_ = false;
  std::vector<CacheSlot> cache_;
  size_t cache_used_ = 0;
};

Result<std::vector<int32_t>> Tokenizer::Encode(std::string_view text, bool parse_special,
                                               bool add_bos) const {
  if (text.size() > kMaxInputBytes) {
    return OutOfRange("encode: text of " + std::to_string(text.size()) +
                      " bytes exceeds the limit of " + std::to_string(kMaxInputBytes));
  }
  std::vector<Fragment> fragments;
  Partition(text, parse_special, fragments);
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_bos && add_bos_ && !(!fragments.empty() && fragments[0].id == bos_id_)) {
    out.push_back(bos_id_);
  }
  const size_t n_spaces = static_cast<size_t>(std::count(text.begin(), text.end(), ' '));
  EncodeSession session(*this, text.size(), n_spaces);
  for (const Fragment& f : fragments) {
    if (f.id >= 0) {
      out.push_back(f.id);
    } else {
      session.EncodeRaw(f.text, out);
    }
  }
  return out;
}

}  // namespace hearth
