// Value construction, JSON conversion and the JS-compatible text forms of jinja values.
#include "chat/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hearth::jinja {
namespace {

// JSON nesting deeper than this is refused when converting input (untrusted requests).
constexpr int kMaxJsonDepth = 256;

// Decodes one UTF-8 code point at s[pos]; invalid bytes decode as themselves (length 1).
uint32_t DecodeUtf8(std::string_view s, size_t pos, size_t* len) {
  const auto c = static_cast<unsigned char>(s[pos]);
  auto cont = [&](size_t k) { return pos + k < s.size() && (static_cast<unsigned char>(s[pos + k]) & 0xC0) == 0x80; };
  if (c < 0x80) { *len = 1; return c; }
  if ((c & 0xE0) == 0xC0 && cont(1)) {
    *len = 2;
    return ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[pos + 1]) & 0x3Fu);
  }
  if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    *len = 3;
    return ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[pos + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[pos + 2]) & 0x3Fu);
  }
  if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    *len = 4;
    return ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[pos + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[pos + 2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[pos + 3]) & 0x3Fu);
  }
  *len = 1;
  return c;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Case mapping for the scripts where JS toUpperCase/toLowerCase is a simple 1:1 shift
// (ASCII, Latin-1, Greek, Cyrillic). Other letters are left unchanged.
// TODO(#chat): full Unicode case tables if templates ever upper-case user text.
uint32_t LowerCp(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}
uint32_t UpperCp(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

bool IsJsSpace(uint32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x20 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

// Canonical array index ("0", "17", not "017"): JS enumerates these keys first, ascending.
bool IsArrayIndexKey(const std::string& k, uint64_t* index) {
  if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : k) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v >= 4294967295ull) return false;
  *index = v;
  return true;
}

}  // namespace

Value Value::MakeArray(Array a) {
  Value v = Make(Kind::kArray);
  v.arr_ = std::make_shared<Array>(std::move(a));
  return v;
}

Value Value::MakeObject(Object o, Kind kind) {
  Value v = Make(kind);
  v.obj_ = std::make_shared<Object>(std::move(o));
  return v;
}

Value Value::Builtin(std::string name, Value self) {
  Value v = Make(Kind::kBuiltin);
  v.s_ = std::move(name);
  v.self_ = std::make_shared<Value>(std::move(self));
  return v;
}

Value Value::Macro(const Node* node, std::shared_ptr<Scope> scope) {
  Value v = Make(Kind::kMacro);
  v.node_ = node;
  v.scope_ = std::move(scope);
  return v;
}

Value Value::FromJson(const nlohmann::ordered_json& j, int depth) {
  if (depth > kMaxJsonDepth) return None();
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return None();
    case nlohmann::ordered_json::value_t::boolean: return Bool(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Int(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      return u <= static_cast<uint64_t>(INT64_MAX) ? Int(static_cast<int64_t>(u)) : Float(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: {
      // JS has one number type: 18.0 in the request is the integer 18 to the reference engine.
      const double d = j.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
        return Int(static_cast<int64_t>(d));
      }
      return Float(d);
    }
    case nlohmann::ordered_json::value_t::string: return Str(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      Array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(FromJson(e, depth + 1));
      return MakeArray(std::move(a));
    }
    case nlohmann::ordered_json::value_t::object: {
      Object indexed, named;
      std::vector<uint64_t> idx;
      for (auto it = j.begin(); it != j.end(); ++it) {
        uint64_t k = 0;
        Value v = FromJson(it.value(), depth + 1);
        if (IsArrayIndexKey(it.key(), &k)) {
          size_t pos = 0;
          while (pos < idx.size() && idx[pos] < k) ++pos;
          idx.insert(idx.begin() + static_cast<std::ptrdiff_t>(pos), k);
          indexed.insert(indexed.begin() + static_cast<std::ptrdiff_t>(pos), {it.key(), std::move(v)});
        } else {
          named.emplace_back(it.key(), std::move(v));
        }
      }
      for (auto& e : named) indexed.push_back(std::move(e));
      return MakeObject(std::move(indexed));
    }
    default: return Value();
  }
}

const void* Value::identity() const {
  if (arr_) return arr_.get();
  if (obj_) return obj_.get();
  return node_;
}

const Value* Value::Find(std::string_view key) const {
  if (!obj_) return nullptr;
  for (const auto& [k, v] : *obj_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Value::Set(std::string_view key, Value v) const {
  for (auto& [k, old] : *obj_) {
    if (k == key) { old = std::move(v); return; }
  }
  obj_->emplace_back(std::string(key), std::move(v));
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return d_ != 0 && !std::isnan(d_);
    case Kind::kString: return !s_.empty();
    case Kind::kArray: return !arr_->empty();
    case Kind::kObject: return !obj_->empty();
    default: return true;
  }
}

std::string Value::ToString() const {
  switch (kind_) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNone: return "null";
    case Kind::kBool: return b_ ? "true" : "false";
    case Kind::kInt: return std::to_string(i_);
    case Kind::kFloat: {
      // JS FloatValue prints integral values with one decimal (toFixed(1)), like Python.
      if (d_ == 0 && std::signbit(d_)) return "-0.0";
      if (std::isfinite(d_) && d_ == std::floor(d_) && std::fabs(d_) < 1e21) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.1f", d_);
        return buf;
      }
      return JsNumberToString(d_);
    }
    case Kind::kString: return s_;
    case Kind::kArray:
    case Kind::kObject:
    case Kind::kNamespace: {
      std::string out;
      JsonFormat fmt;
      fmt.undefined_as_null = false;
      if (!ToJson(*this, fmt, out)) return "[object]";
      return out;
    }
    case Kind::kMacro:
    case Kind::kBuiltin: return "[function]";
  }
  return "";
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined: return "UndefinedValue";
    case Kind::kNone: return "NullValue";
    case Kind::kBool: return "BooleanValue";
    case Kind::kInt: return "IntegerValue";
    case Kind::kFloat: return "FloatValue";
    case Kind::kString: return "StringValue";
    case Kind::kArray: return "ArrayValue";
    case Kind::kObject: return "ObjectValue";
    case Kind::kNamespace: return "NamespaceValue";
    case Kind::kMacro:
    case Kind::kBuiltin: return "FunctionValue";
  }
  return "?";
}

std::string JsNumberToString(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') { sign = "-"; sci.erase(0, 1); }
  const size_t e = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i) if (sci[i] != '.') digits += sci[i];
  const int exp10 = std::atoi(sci.c_str() + e + 1);
  // ECMAScript Number::toString: k digits, decimal point after n digits.
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  std::string out = sign;
  if (k <= n && n <= 21) {
    out += digits + std::string(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += (n - 1 >= 0) ? "e+" : "e-";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

void AppendJsonString(std::string_view s, bool ensure_ascii, std::string& out) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    char buf[16];
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    if (c < 0x7F || !ensure_ascii) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = 1;
    const uint32_t cp = DecodeUtf8(s, i, &len);
    // @huggingface/jinja escapes UTF-16 units 0x7f..0xffff; astral characters stay literal.
    if (cp >= 0x10000) {
      out.append(s.substr(i, len));
    } else {
      std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      out += buf;
    }
    i += len;
  }
  out += '"';
}

bool ToJson(const Value& v, const JsonFormat& fmt, std::string& out, int depth) {
  if (depth > kMaxJsonDepth) return false;
  const std::string item_sep = !fmt.item_sep.empty() ? fmt.item_sep : (fmt.indent > 0 ? "," : ", ");
  const std::string key_sep = !fmt.key_sep.empty() ? fmt.key_sep : ": ";
  switch (v.kind()) {
    case Kind::kNone: out += "null"; return true;
    case Kind::kUndefined: out += fmt.undefined_as_null ? "null" : "undefined"; return true;
    case Kind::kBool: out += v.b() ? "true" : "false"; return true;
    case Kind::kInt: out += std::to_string(v.i()); return true;
    case Kind::kFloat: out += std::isfinite(v.d()) ? JsNumberToString(v.d()) : "null"; return true;
    case Kind::kString: AppendJsonString(v.s(), fmt.ensure_ascii, out); return true;
    case Kind::kArray:
    case Kind::kObject:
    case Kind::kNamespace: {
      const std::string indent = fmt.indent > 0 ? std::string(static_cast<size_t>(fmt.indent), ' ') : "";
      std::string base_pad = "\n";
      for (int d = 0; d < depth; ++d) base_pad += indent;
      const std::string child_pad = base_pad + indent;
      if (v.is_array()) {
        out += '[';
        const Array& a = v.arr();
        for (size_t i = 0; i < a.size(); ++i) {
          if (i) out += item_sep;
          if (fmt.indent > 0) out += child_pad;
          if (!ToJson(a[i], fmt, out, depth + 1)) return false;
        }
        if (fmt.indent > 0 && !a.empty()) out += base_pad;
        out += ']';
        return true;
      }
      std::vector<const std::pair<std::string, Value>*> entries;
      for (const auto& e : v.obj()) entries.push_back(&e);
      if (fmt.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](auto* a, auto* b) { return JsCompare(a->first, b->first) < 0; });
      }
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += item_sep;
        if (fmt.indent > 0) out += child_pad;
        AppendJsonString(entries[i]->first, fmt.ensure_ascii, out);
        out += key_sep;
        if (!ToJson(entries[i]->second, fmt, out, depth + 1)) return false;
      }
      if (fmt.indent > 0 && !entries.empty()) out += base_pad;
      out += '}';
      return true;
    }
    default: return false;
  }
}

bool IsJsSpaceAt(std::string_view s, size_t pos, size_t* len) {
  return IsJsSpace(DecodeUtf8(s, pos, len));
}

std::string JsTrim(std::string_view s, bool left, bool right) {
  size_t b = 0, e = s.size();
  size_t len = 0;
  if (left) {
    while (b < e && IsJsSpaceAt(s, b, &len)) b += len;
  }
  if (right) {
    // Walk forward to find the last non-space code point (UTF-8 cannot be scanned backwards
    // safely when it may be malformed).
    size_t last_end = b;
    for (size_t p = b; p < e; p += len) {
      if (!IsJsSpaceAt(s, p, &len)) last_end = p + len;
    }
    e = last_end;
  }
  return std::string(s.substr(b, e - b));
}

std::string JsLower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0, len = 0; i < s.size(); i += len) {
    const uint32_t cp = DecodeUtf8(s, i, &len);
    if (len == 1 && cp >= 0x80) { out += s[i]; continue; }
    AppendUtf8(LowerCp(cp), out);
  }
  return out;
}

std::string JsUpper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0, len = 0; i < s.size(); i += len) {
    const uint32_t cp = DecodeUtf8(s, i, &len);
    if (len == 1 && cp >= 0x80) { out += s[i]; continue; }
    if (cp == 0xDF) { out += "SS"; continue; }
    AppendUtf8(UpperCp(cp), out);
  }
  return out;
}

int JsCompare(std::string_view a, std::string_view b) {
  // Compare as UTF-16 code units: an astral character sorts by its high surrogate (0xD800..)
  // and so before U+E000..U+FFFF, unlike UTF-8 byte order.
  auto unit_key = [](uint32_t cp) -> uint32_t { return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp; };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    size_t la = 0, lb = 0;
    const uint32_t ca = DecodeUtf8(a, i, &la), cb = DecodeUtf8(b, j, &lb);
    if (ca != cb) {
      const uint32_t ka = unit_key(ca), kb = unit_key(cb);
      if (ka != kb) return ka < kb ? -1 : 1;
      return ca < cb ? -1 : 1;  // same high surrogate: low surrogates order like code points
    }
    i += la;
    j += lb;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

namespace {
// JS ToNumber on a string: trimmed decimal text, "" -> 0, otherwise NaN.
double JsStringToNumber(const std::string& s) {
  const std::string t = JsTrim(s);
  if (t.empty()) return 0;
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return NAN;
  return d;
}
}  // namespace

bool LooseEquals(const Value& a, const Value& b) {
  const bool a_nullish = a.is_undefined() || a.is_none();
  const bool b_nullish = b.is_undefined() || b.is_none();
  if (a_nullish || b_nullish) return a_nullish && b_nullish;
  if (a.kind() == Kind::kBool && b.kind() == Kind::kBool) return a.b() == b.b();
  const bool a_num = a.is_number() || a.kind() == Kind::kBool;
  const bool b_num = b.is_number() || b.kind() == Kind::kBool;
  if (a_num && b_num) return a.num() == b.num();
  if (a.is_string() && b.is_string()) return a.s() == b.s();
  if (a_num && b.is_string()) return a.num() == JsStringToNumber(b.s());
  if (a.is_string() && b_num) return JsStringToNumber(a.s()) == b.num();
  if (a.kind() == b.kind() && (a.is_array() || a.is_attr_container() || a.is_callable())) {
    return a.identity() == b.identity();
  }
  return false;
}

bool StrictEquals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.num() == b.num();
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return true;
    case Kind::kBool: return a.b() == b.b();
    case Kind::kString: return a.s() == b.s();
    default: return a.identity() == b.identity();
  }
}

}  // namespace hearth::jinja
