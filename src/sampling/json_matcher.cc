// The recognizer behind JsonMatcher. A stack holds one frame per open construct (object, array,
// string, number, literal, or a value not started yet); a byte either advances the top frame,
// completes it (popped, the parent already knows what comes next), or kills the stack. Forks
// happen where the grammar offers a choice at the next byte: value alternatives (anyOf, enum)
// and object keys.
#include "sampling/json_matcher.h"

#include <algorithm>
#include <cstring>

namespace hearth {
namespace {

using Kind = JsonGrammar::Kind;

// Parses alive at once; more are dropped. Every kept stack is a viable parse, so dropping only
// narrows the choice, it never admits invalid text.
constexpr size_t kMaxStacks = 64;
constexpr int kMaxIntDigits = 16;
constexpr int kMaxFracDigits = 16;
constexpr int kMaxExpDigits = 2;

enum FrameKind : uint8_t { kValue, kObject, kArray, kString, kNumber, kLiteral, kKey };
enum ObjectState : uint8_t { kObjOpen, kObjAfterKey, kObjAfterValue, kObjAfterComma };
enum ArrayState : uint8_t { kArrOpen, kArrAfterValue };
enum StringState : uint8_t { kChars, kEscape, kHex, kLowBackslash, kLowU, kLowHex, kUtf8 };
enum NumberState : uint8_t { kNumBegin, kSign, kZero, kInt, kDot, kFrac, kE, kESign, kExp };
enum class Fed { kReject, kMore, kDone };

bool IsWs(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(uint8_t c) { return c >= '0' && c <= '9'; }

int HexValue(uint8_t c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool NumberComplete(uint8_t state) { return state == kZero || state == kInt || state == kFrac || state == kExp; }

// kDone: `c` is not part of the number, which is complete; the parent frame gets `c`.
Fed FeedNumber(uint8_t& state, int32_t& digits, uint8_t c, bool integer) {
  const bool fraction_ok = !integer && (state == kZero || state == kInt);
  const bool exponent_ok = !integer && (state == kZero || state == kInt || state == kFrac);
  auto start_part = [&](uint8_t next) {
    state = next;
    digits = 1;
    return Fed::kMore;
  };
  auto more_digits = [&](int limit) { return ++digits <= limit ? Fed::kMore : Fed::kReject; };
  switch (state) {
    case kNumBegin:
      if (c == '-') {
        state = kSign;
        return Fed::kMore;
      }
      [[fallthrough]];
    case kSign:
      if (c == '0') {
        state = kZero;
        return Fed::kMore;
      }
      return c >= '1' && c <= '9' ? start_part(kInt) : Fed::kReject;
    case kDot:
      return IsDigit(c) ? start_part(kFrac) : Fed::kReject;
    case kE:
      if (c == '+' || c == '-') {
        state = kESign;
        return Fed::kMore;
      }
      [[fallthrough]];
    case kESign:
      return IsDigit(c) ? start_part(kExp) : Fed::kReject;
    default:
      break;
  }
  // A complete state: kZero, kInt, kFrac or kExp.
  if (IsDigit(c)) {
    if (state == kZero) return Fed::kReject;  // no leading zeros
    return more_digits(state == kInt ? kMaxIntDigits : state == kFrac ? kMaxFracDigits : kMaxExpDigits);
  }
  if (c == '.' && fraction_ok) {
    state = kDot;
    return Fed::kMore;
  }
  if ((c == 'e' || c == 'E') && exponent_ok) {
    state = kE;
    return Fed::kMore;
  }
  return Fed::kDone;
}

// One byte of a string after its opening quote. `chars`: code points so far; `b`, `v`: hex digits
// read and their value in an escape, or UTF-8 bytes still due and the allowed range (lo | hi << 8)
// of the next one. kDone on the closing quote.
Fed FeedString(uint8_t& state, int32_t& chars, int32_t& b, int32_t& v, int64_t min, int64_t max, uint8_t c) {
  auto new_char = [&] {
    if (max >= 0 && chars >= max) return false;
    ++chars;
    return true;
  };
  switch (state) {
    case kChars: {
      if (c == '"') return chars >= min ? Fed::kDone : Fed::kReject;
      if (c < 0x20 || !new_char()) return Fed::kReject;
      if (c == '\\') {
        state = kEscape;
        return Fed::kMore;
      }
      if (c < 0x80) return Fed::kMore;
      // A UTF-8 lead byte: how many continuation bytes follow, and the range of the first (the
      // narrow ranges exclude overlong forms, surrogates and code points above U+10FFFF).
      int lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        b = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        b = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        b = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      } else {
        return Fed::kReject;
      }
      state = kUtf8;
      v = lo | hi << 8;
      return Fed::kMore;
    }
    case kUtf8:
      if (c < (v & 0xFF) || c > (v >> 8)) return Fed::kReject;
      if (--b == 0) state = kChars;
      v = 0x80 | 0xBF << 8;
      return Fed::kMore;
    case kEscape:
      if (c == 'u') {
        state = kHex;
        b = v = 0;
        return Fed::kMore;
      }
      if (c == 0 || std::strchr("\"\\/bfnrt", c) == nullptr) return Fed::kReject;
      state = kChars;
      return Fed::kMore;
    case kHex:
    case kLowHex: {
      const int digit = HexValue(c);
      if (digit < 0) return Fed::kReject;
      v = v * 16 + digit;
      ++b;
      if (state == kHex) {
        // A low surrogate (DC00-DFFF) may only follow a high one: refused at its second digit
        // so the text never becomes a prefix that cannot be completed.
        if (b == 2 && v >= 0xDC && v <= 0xDF) return Fed::kReject;
        if (b == 4) state = v >= 0xD800 && v <= 0xDBFF ? kLowBackslash : kChars;
      } else {
        // After a high surrogate: the low half must be DC00-DFFF (same code point, not counted).
        if ((b == 1 && v != 0xD) || (b == 2 && v < 0xDC)) return Fed::kReject;
        if (b == 4) state = kChars;
      }
      return Fed::kMore;
    }
    case kLowBackslash:
      if (c != '\\') return Fed::kReject;
      state = kLowU;
      return Fed::kMore;
    case kLowU:
      if (c != 'u') return Fed::kReject;
      state = kLowHex;
      b = v = 0;
      return Fed::kMore;
    default:
      return Fed::kReject;
  }
}

bool RequiredLeft(const JsonGrammar::Node& n, int32_t next) {
  for (size_t i = static_cast<size_t>(next); i < n.properties.size(); ++i) {
    if (n.properties[i].required) return true;
  }
  return false;
}

}  // namespace

void JsonMatcher::StackSet::Add(const Stack& s) {
  if (ends.size() >= kMaxStacks || Contains(s.data(), s.size())) return;
  frames.insert(frames.end(), s.begin(), s.end());
  ends.push_back(static_cast<uint32_t>(frames.size()));
}

bool JsonMatcher::StackSet::Contains(const Frame* begin, size_t n) const {
  uint32_t start = 0;
  for (uint32_t end : ends) {
    if (end - start == n && std::equal(begin, begin + n, frames.data() + start)) return true;
    start = end;
  }
  return false;
}

JsonMatcher::JsonMatcher(std::shared_ptr<const JsonGrammar> grammar) : grammar_(std::move(grammar)) {
  std::vector<Stack> starts;
  Expand({}, grammar_->root, starts);
  for (const Stack& s : starts) state_.Add(s);
}

void JsonMatcher::Expand(const Stack& s, int32_t node, std::vector<Stack>& out) const {
  const JsonGrammar::Node& n = grammar_->nodes[node];
  if (n.kind == Kind::kAnyOf) {
    for (int32_t alt : n.alternatives) Expand(s, alt, out);
    return;
  }
  const size_t alternatives = n.kind == Kind::kLiteral ? n.literals.size() : 1;
  for (size_t i = 0; i < alternatives; ++i) {
    Stack copy = s;
    copy.push_back(Frame{.node = node, .kind = kValue, .a = static_cast<int32_t>(i)});
    out.push_back(std::move(copy));
  }
}

void JsonMatcher::ExpandAndFeed(const Stack& s, int32_t node, uint8_t c, StackSet& out) const {
  std::vector<Stack> starts;
  Expand(s, node, starts);
  for (Stack& start : starts) Feed(start, c, out);
}

void JsonMatcher::Feed(Stack& s, uint8_t c, StackSet& out) const {
  for (;;) {
    if (s.empty()) return;  // nothing may follow the top-level value
    Frame& f = s.back();
    switch (f.kind) {
      case kValue: {
        if (IsWs(c)) {
          if (TakeWhitespace(f, c)) out.Add(s);
          return;
        }
        const JsonGrammar::Node& n = grammar_->nodes[f.node];
        const int32_t which = f.a;
        switch (n.kind) {
          case Kind::kObject:
          case Kind::kArray: {
            if (c != (n.kind == Kind::kObject ? '{' : '[')) return;
            const auto nesting = std::count_if(s.begin(), s.end(), [](const Frame& x) {
              return x.kind == kObject || x.kind == kArray;
            });
            if (nesting >= kMaxNesting) return;
            f = Frame{.node = f.node, .kind = n.kind == Kind::kObject ? kObject : kArray};
            return out.Add(s);
          }
          case Kind::kString:
            if (c != '"') return;
            f = Frame{.node = f.node, .kind = kString};
            return out.Add(s);
          case Kind::kNumber:
          case Kind::kInteger:
            f = Frame{.node = f.node, .kind = kNumber};
            continue;
          case Kind::kLiteral:
            f = Frame{.node = f.node, .kind = kLiteral, .a = which};
            continue;
          case Kind::kAnyOf:
            return;  // Expand never leaves one on a stack
        }
        return;
      }
      case kObject:
        return FeedObject(s, c, out);
      case kArray:
        return FeedArray(s, c, out);
      case kString: {
        const JsonGrammar::Node* n = f.node >= 0 ? &grammar_->nodes[f.node] : nullptr;
        const Fed r = FeedString(f.state, f.a, f.b, f.c, n ? n->min : 0, n ? n->max : -1, c);
        if (r == Fed::kReject) return;
        if (r == Fed::kDone) s.pop_back();
        return out.Add(s);
      }
      case kNumber: {
        const Fed r = FeedNumber(f.state, f.a, c, grammar_->nodes[f.node].kind == Kind::kInteger);
        if (r == Fed::kReject) return;
        if (r == Fed::kMore) return out.Add(s);
        s.pop_back();  // `c` ends the number: the parent takes it
        continue;
      }
      case kLiteral:
      case kKey: {
        const JsonGrammar::Node& n = grammar_->nodes[f.node];
        const std::string& text = f.kind == kLiteral ? n.literals[f.a] : n.properties[f.a].key_rest;
        if (c != static_cast<uint8_t>(text[f.b])) return;
        if (static_cast<size_t>(++f.b) == text.size()) s.pop_back();
        return out.Add(s);
      }
      default:
        return;
    }
  }
}

void JsonMatcher::FeedObject(Stack& s, uint8_t c, StackSet& out) const {
  Frame& f = s.back();
  const JsonGrammar::Node& n = grammar_->nodes[f.node];
  if (IsWs(c)) {
    if (TakeWhitespace(f, c)) out.Add(s);
    return;
  }
  f.ws = f.lines = 0;
  const bool may_close = !RequiredLeft(n, f.a);
  switch (f.state) {
    case kObjOpen:
    case kObjAfterComma: {
      if (c == '}' && f.state == kObjOpen && may_close) {
        s.pop_back();
        return out.Add(s);
      }
      if (c != '"') return;
      // One fork per key that may come next: declared properties from f.a up to the first
      // required one, then any other key once nothing required is left.
      const Frame object = f;
      for (size_t i = static_cast<size_t>(object.a); i < n.properties.size(); ++i) {
        Stack fork = s;
        fork.back().state = kObjAfterKey;
        fork.back().a = static_cast<int32_t>(i + 1);
        fork.back().b = static_cast<int32_t>(i);
        fork.push_back(Frame{.node = object.node, .kind = kKey, .a = static_cast<int32_t>(i)});
        out.Add(fork);
        if (n.properties[i].required) break;
      }
      if (n.additional >= 0 && may_close) {
        Frame& o = s.back();
        o.state = kObjAfterKey;
        o.a = static_cast<int32_t>(n.properties.size());
        o.b = -1;
        s.push_back(Frame{.node = -1, .kind = kString});
        out.Add(s);
      }
      return;
    }
    case kObjAfterKey: {
      if (c != ':') return;
      f.state = kObjAfterValue;
      std::vector<Stack> starts;
      Expand(s, f.b >= 0 ? n.properties[f.b].value : n.additional, starts);
      for (const Stack& start : starts) out.Add(start);
      return;
    }
    case kObjAfterValue:
      if (c == ',' && (static_cast<size_t>(f.a) < n.properties.size() || n.additional >= 0)) {
        f.state = kObjAfterComma;
        return out.Add(s);
      }
      if (c == '}' && may_close) {
        s.pop_back();
        return out.Add(s);
      }
      return;
    default:
      return;
  }
}

void JsonMatcher::FeedArray(Stack& s, uint8_t c, StackSet& out) const {
  Frame& f = s.back();
  const JsonGrammar::Node& n = grammar_->nodes[f.node];
  if (IsWs(c)) {
    if (TakeWhitespace(f, c)) out.Add(s);
    return;
  }
  f.ws = f.lines = 0;
  if (c == ']') {
    if (f.a < n.min) return;
    s.pop_back();
    return out.Add(s);
  }
  if (f.state == kArrOpen) {
    if (n.max == 0) return;
    f.state = kArrAfterValue;
    f.a = 1;
    return ExpandAndFeed(s, n.items, c, out);
  }
  if (c != ',' || (n.max >= 0 && f.a >= n.max)) return;
  ++f.a;
  std::vector<Stack> starts;
  Expand(s, n.items, starts);
  for (const Stack& start : starts) out.Add(start);
}

bool JsonMatcher::TakeWhitespace(Frame& f, uint8_t c) {
  if (f.ws >= kMaxWhitespaceRun || (c == '\n' && f.lines >= 2)) return false;
  ++f.ws;
  if (c == '\n') ++f.lines;
  return true;
}

bool JsonMatcher::Step(const StackSet& in, uint8_t c, StackSet& out) const {
  out.Clear();
  uint32_t start = 0;
  for (uint32_t end : in.ends) {
    work_.assign(in.frames.begin() + start, in.frames.begin() + end);
    Feed(work_, c, out);
    start = end;
  }
  return !out.ends.empty();
}

bool JsonMatcher::Allows(std::string_view bytes) const {
  const StackSet* cur = &state_;
  for (size_t i = 0; i < bytes.size(); ++i) {
    StackSet& next = scratch_[i % 2];
    if (!Step(*cur, static_cast<uint8_t>(bytes[i]), next)) return false;
    cur = &next;
  }
  return true;
}

bool JsonMatcher::Accept(std::string_view bytes) {
  if (bytes.empty()) return true;
  if (!Allows(bytes)) return false;
  state_ = scratch_[(bytes.size() - 1) % 2];
  return true;
}

void JsonMatcher::AllowedFirstBytes(std::array<bool, 256>& allowed) const {
  for (int b = 0; b < 256; ++b) allowed[b] = Step(state_, static_cast<uint8_t>(b), scratch_[0]);
}

bool JsonMatcher::complete() const {
  uint32_t start = 0;
  for (uint32_t end : state_.ends) {
    if (end == start) return true;
    const Frame& top = state_.frames[start];
    if (end - start == 1 && top.kind == kNumber && NumberComplete(top.state)) return true;
    start = end;
  }
  return false;
}

bool JsonMatcher::can_continue() const {
  uint32_t start = 0;
  for (uint32_t end : state_.ends) {
    if (end != start) return true;
    start = end;
  }
  return false;
}

}  // namespace hearth
