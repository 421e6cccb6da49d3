// Jinja lexer: source text -> tokens, with the whitespace rules of Hugging Face chat templates
// (lstrip_blocks, trim_blocks, `-` markers). Token offsets point into the original source so
// errors can name a line and column.
#include <cstdio>
#include <cstdlib>

#include "chat/jinja_ast.h"
#include "chat/jinja_value.h"

namespace hearth::jinja {
namespace {

// Text plus, for every byte, its offset in the original source.
struct Mapped {
  std::string text;
  std::vector<uint32_t> off;
  void Push(char c, uint32_t o) { text += c; off.push_back(o); }
};

bool IsLineStart(const std::string& s, size_t i) {
  if (i == 0) return true;
  const char p = s[i - 1];
  if (p == '\n' || p == '\r') return true;
  // U+2028 / U+2029 also end lines for the JS `m` flag.
  return i >= 3 && static_cast<unsigned char>(s[i - 3]) == 0xE2 && static_cast<unsigned char>(s[i - 2]) == 0x80 &&
         (static_cast<unsigned char>(p) == 0xA8 || static_cast<unsigned char>(p) == 0xA9);
}

// The same three rewrites @huggingface/jinja applies before lexing: drop one trailing newline;
// remove spaces/tabs between a line start and a block/comment tag; remove the newline after a
// block/comment tag.
Mapped Preprocess(std::string_view src) {
  if (!src.empty() && src.back() == '\n') src.remove_suffix(1);
  const std::string s(src);
  Mapped a;
  for (size_t i = 0; i < s.size();) {
    if (IsLineStart(s, i)) {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      if (j > i && j + 1 < s.size() && s[j] == '{' && (s[j + 1] == '#' || s[j + 1] == '%' || s[j + 1] == '-')) {
        i = j;
      }
    }
    a.Push(s[i], static_cast<uint32_t>(i));
    ++i;
  }
  Mapped b;
  for (size_t i = 0; i < a.text.size(); ++i) {
    b.Push(a.text[i], a.off[i]);
    const char c = a.text[i];
    if ((c == '#' || c == '%' || c == '-') && i + 2 < a.text.size() + 0 && a.text[i + 1] == '}' &&
        a.text[i + 2] == '\n') {
      b.Push('}', a.off[i + 1]);
      i += 2;  // skip '}' (pushed) and the newline
    }
  }
  return b;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct Table {
  std::string_view seq;
  Tok type;
};
// Order matters: longer operators before their prefixes.
constexpr Table kTable[] = {
    {"{%", Tok::kOpenStmt}, {"%}", Tok::kCloseStmt}, {"{{", Tok::kOpenExpr}, {"}}", Tok::kCloseExpr},
    {"(", Tok::kOpenParen}, {")", Tok::kCloseParen}, {"{", Tok::kOpenBrace}, {"}", Tok::kCloseBrace},
    {"[", Tok::kOpenBracket}, {"]", Tok::kCloseBracket}, {",", Tok::kComma}, {".", Tok::kDot},
    {":", Tok::kColon}, {"|", Tok::kPipe}, {"<=", Tok::kCompare}, {">=", Tok::kCompare},
    {"==", Tok::kCompare}, {"!=", Tok::kCompare}, {"<", Tok::kCompare}, {">", Tok::kCompare},
    {"+", Tok::kAdditive}, {"-", Tok::kAdditive}, {"~", Tok::kAdditive}, {"**", Tok::kPower},
    {"*", Tok::kMultiplicative}, {"//", Tok::kMultiplicative}, {"/", Tok::kMultiplicative},
    {"%", Tok::kMultiplicative}, {"=", Tok::kEquals},
};

class Lexer {
 public:
  Lexer(std::string_view original, Mapped m) : original_(original), m_(std::move(m)), s_(m_.text) {}

  Result<std::vector<Token>> Run() {
    while (pos_ < s_.size()) {
      const bool text_allowed = tokens_.empty() || Last() == Tok::kCloseStmt || Last() == Tok::kCloseExpr ||
                                Last() == Tok::kComment;
      if (text_allowed) {
        const size_t start = pos_;
        while (pos_ < s_.size() && !(s_[pos_] == '{' && pos_ + 1 < s_.size() &&
                                     (s_[pos_ + 1] == '%' || s_[pos_ + 1] == '{' || s_[pos_ + 1] == '#'))) {
          ++pos_;
        }
        if (pos_ > start) {
          Push(Tok::kText, s_.substr(start, pos_ - start), start);
          continue;
        }
      }
      if (At("{#")) {
        HEARTH_RETURN_IF_ERROR(Comment());
        continue;
      }
      if (At("{%-") || At("{{-")) {
        StripTrailingText();
        const bool stmt = s_[pos_ + 1] == '%';
        Push(stmt ? Tok::kOpenStmt : Tok::kOpenExpr, stmt ? "{%" : "{{", pos_);
        if (!stmt) brace_depth_ = 0;
        pos_ += 3;
        continue;
      }
      SkipSpace();
      if (pos_ >= s_.size()) break;
      if (At("-%}") || At("-}}")) {
        const bool stmt = s_[pos_ + 1] == '%';
        Push(stmt ? Tok::kCloseStmt : Tok::kCloseExpr, stmt ? "%}" : "}}", pos_);
        pos_ += 3;
        SkipSpace();
        continue;
      }
      const char c = s_[pos_];
      if ((c == '-' || c == '+')) {
        if (tokens_.empty() || Last() == Tok::kText) return Error(std::string("unexpected character '") + c + "'");
        const Tok l = Last();
        if (l != Tok::kIdent && l != Tok::kNumber && l != Tok::kString && l != Tok::kCloseParen &&
            l != Tok::kCloseBracket) {
          const size_t start = pos_++;
          std::string num;
          while (pos_ < s_.size() && IsDigit(s_[pos_])) num += s_[pos_++];
          if (!num.empty() && pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
            num += s_[pos_++];
            while (pos_ < s_.size() && IsDigit(s_[pos_])) num += s_[pos_++];
          }
          Push(num.empty() ? Tok::kUnary : Tok::kNumber, std::string(1, c) + num, start);
          continue;
        }
      }
      bool matched = false;
      for (const Table& t : kTable) {
        if (t.seq == "}}" && brace_depth_ > 0) continue;
        if (At(t.seq)) {
          Push(t.type, std::string(t.seq), pos_);
          if (t.type == Tok::kOpenExpr) brace_depth_ = 0;
          if (t.type == Tok::kOpenBrace) ++brace_depth_;
          if (t.type == Tok::kCloseBrace) --brace_depth_;
          pos_ += t.seq.size();
          matched = true;
          break;
        }
      }
      if (matched) continue;
      if (c == '\'' || c == '"') {
        HEARTH_RETURN_IF_ERROR(StringLit(c));
        continue;
      }
      if (IsDigit(c)) {
        const size_t start = pos_;
        while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
        if (Last() != Tok::kDot && pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
          ++pos_;
          while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
        }
        Push(Tok::kNumber, s_.substr(start, pos_ - start), start);
        continue;
      }
      if (IsWordChar(c)) {
        const size_t start = pos_;
        while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
        Push(Tok::kIdent, s_.substr(start, pos_ - start), start);
        continue;
      }
      return Error(std::string("unexpected character '") + c + "'");
    }
    return std::move(tokens_);
  }

 private:
  Tok Last() const { return tokens_.empty() ? Tok::kText : tokens_.back().type; }
  bool At(std::string_view seq) const { return s_.compare(pos_, seq.size(), seq) == 0; }
  uint32_t Orig(size_t p) const {
    return p < m_.off.size() ? m_.off[p] : static_cast<uint32_t>(original_.size());
  }
  void Push(Tok t, std::string v, size_t p) { tokens_.push_back({t, std::move(v), Orig(p)}); }
  Status Error(const std::string& what) const {
    return InvalidArgument("template syntax error at " + DescribePosition(original_, Orig(pos_)) + ": " + what);
  }
  void SkipSpace() {
    size_t len = 0;
    while (pos_ < s_.size() && IsJsSpaceAt(s_, pos_, &len)) pos_ += len;
  }
  void StripTrailingText() {
    if (!tokens_.empty() && tokens_.back().type == Tok::kText) {
      tokens_.back().value = JsTrim(tokens_.back().value, false, true);
      if (tokens_.back().value.empty()) tokens_.pop_back();
    }
  }
  Status Comment() {
    const size_t start = pos_;
    pos_ += 2;
    const bool strip_before = pos_ < s_.size() && s_[pos_] == '-';
    if (strip_before) ++pos_;
    const size_t end = s_.find("#}", pos_);
    if (end == std::string::npos) return Error("missing end of comment tag");
    std::string body = s_.substr(pos_, end - pos_);
    const bool strip_after = !body.empty() && body.back() == '-';
    if (strip_before) StripTrailingText();
    Push(Tok::kComment, std::move(body), start);
    pos_ = end + 2;
    if (strip_after) SkipSpace();
    return Status::Ok();
  }
  Status StringLit(char quote) {
    const size_t start = pos_++;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string literal");
      const char c = s_[pos_];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      if (++pos_ >= s_.size()) return Error("unexpected end of input in escape");
      const char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'x':
        case 'u': {
          const size_t n = e == 'x' ? 2 : 4;
          if (pos_ + n > s_.size()) return Error("invalid hexadecimal escape");
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            const char h = s_[pos_ + k];
            int v = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (v < 0) return Error("invalid hexadecimal escape");
            cp = cp * 16 + static_cast<uint32_t>(v);
          }
          pos_ += n;
          // Lone surrogates cannot be represented in UTF-8; emit U+FFFD instead.
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          std::string enc;
          if (cp < 0x80) {
            enc += static_cast<char>(cp);
          } else if (cp < 0x800) {
            enc += static_cast<char>(0xC0 | (cp >> 6));
            enc += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            enc += static_cast<char>(0xE0 | (cp >> 12));
            enc += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            enc += static_cast<char>(0x80 | (cp & 0x3F));
          }
          out += enc;
          break;
        }
        default: return Error(std::string("unexpected escaped character '") + e + "'");
      }
    }
    ++pos_;  // closing quote
    Push(Tok::kString, std::move(out), start);
    return Status::Ok();
  }

  std::string_view original_;
  Mapped m_;
  const std::string& s_;
  size_t pos_ = 0;
  int brace_depth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::string DescribePosition(std::string_view source, uint32_t offset) {
  uint32_t line = 1, col = 1;
  for (uint32_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

Result<std::vector<Token>> Tokenize(std::string_view source) {
  Lexer lexer(source, Preprocess(source));
  return lexer.Run();
}

}  // namespace hearth::jinja
