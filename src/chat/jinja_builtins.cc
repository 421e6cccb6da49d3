// Filters, tests, methods and global functions of the Jinja interpreter. Behaviour matches
// @huggingface/jinja 0.5.11 for everything the Gemma templates use (including which
// combinations are errors, e.g. `upper` on a list); a few Python-Jinja extras are accepted
// where the reference would fail (map by filter name, select/reject).
#include <algorithm>
#include <cmath>

#include "chat/jinja_eval_internal.h"

namespace hearth::jinja {
namespace {

constexpr int64_t kMaxRange = 1'000'000;

const Value* Kw(const Object& kw, std::string_view name) {
  for (const auto& [k, v] : kw) {
    if (k == name) return &v;
  }
  return nullptr;
}

// Positional argument i, else keyword `name`, else nullptr.
const Value* Arg(const std::vector<Value>& pos, const Object& kw, size_t i, std::string_view name) {
  if (i < pos.size()) return &pos[i];
  return Kw(kw, name);
}

// JS compareRuntimeValues: numbers numerically, strings (optionally lower-cased) by UTF-16 order.
bool CompareValues(const Value& a, const Value& b, bool case_sensitive, int* out) {
  if ((a.is_none() && b.is_none()) || (a.is_undefined() && b.is_undefined())) {
    *out = 0;
    return true;
  }
  const bool a_num = a.is_number() || a.kind() == Kind::kBool;
  const bool b_num = b.is_number() || b.kind() == Kind::kBool;
  if (a_num && b_num) {
    *out = a.num() < b.num() ? -1 : a.num() > b.num() ? 1 : 0;
    return true;
  }
  if (a.is_string() && b.is_string()) {
    *out = case_sensitive ? JsCompare(a.s(), b.s()) : JsCompare(JsLower(a.s()), JsLower(b.s()));
    return true;
  }
  return false;
}

}  // namespace

bool IsObjectMethod(const std::string& name) {
  return name == "get" || name == "items" || name == "keys" || name == "values" || name == "dictsort";
}

bool IsStringMethod(const std::string& name) {
  static const char* kNames[] = {"upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize",
                                 "startswith", "endswith", "split", "replace"};
  for (const char* n : kNames) if (name == n) return true;
  return false;
}

std::vector<std::string> SplitChars(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    len = std::min(len, s.size() - i);
    out.emplace_back(s.substr(i, len));
    i += len;
  }
  return out;
}

int64_t Utf16Length(std::string_view s) {
  int64_t n = 0;
  for (const std::string& ch : SplitChars(s)) n += ch.size() == 4 ? 2 : 1;
  return n;
}

Result<Value> Interp::CallBuiltin(const Value& fn, const std::vector<Value>& pos, const Object& kw, const Node& at) {
  const std::string& name = fn.s();
  const Value& self = fn.self();
  if (self.is_undefined()) {
    if (name == "raise_exception") {
      const std::string msg = pos.empty() ? "" : pos[0].ToString();
      return Error(at, "raise_exception: " + msg);
    }
    if (name == "range") {
      if (pos.empty() || pos.size() > 3) return Error(at, "range() takes 1 to 3 integer arguments");
      for (const Value& v : pos) {
        if (v.kind() != Kind::kInt) return Error(at, "range() arguments must be integers");
      }
      int64_t start = 0, stop = 0, step = 1;
      if (pos.size() == 1) {
        stop = pos[0].i();
      } else {
        start = pos[0].i();
        stop = pos[1].i();
        if (pos.size() == 3) step = pos[2].i();
      }
      if (step == 0) return Error(at, "range() step must not be zero");
      Array a;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (static_cast<int64_t>(a.size()) >= kMaxRange) {
          return Status(StatusCode::kResourceExhausted, "template error: range() too long");
        }
        a.push_back(Value::Int(i));
      }
      return Value::MakeArray(std::move(a));
    }
    if (name == "namespace") {
      if (pos.size() > 1) return Error(at, "namespace() takes at most 1 positional argument");
      Value ns = Value::MakeObject({}, Kind::kNamespace);
      if (pos.size() == 1) {
        if (!pos[0].is_object()) return Error(at, "namespace() argument must be a mapping");
        for (const auto& [k, v] : pos[0].obj()) ns.Set(k, v);
      }
      for (const auto& [k, v] : kw) ns.Set(k, v);
      return ns;
    }
    return Error(at, "unknown function " + name);
  }
  if (self.is_object()) {
    if (name == "get") {
      if (pos.empty() || !pos[0].is_string()) return Error(at, "object key must be a string");
      if (const Value* v = self.Find(pos[0].s())) return *v;
      return pos.size() > 1 ? pos[1] : Value::None();
    }
    if (name == "items" || name == "keys" || name == "values") {
      Array a;
      for (const auto& [k, v] : self.obj()) {
        if (name == "items") a.push_back(Value::MakeArray({Value::Str(k), v}));
        else if (name == "keys") a.push_back(Value::Str(k));
        else a.push_back(v);
      }
      return Value::MakeArray(std::move(a));
    }
    if (name == "dictsort") {
      const Value* cs = Arg(pos, kw, 0, "case_sensitive");
      const Value* by = Arg(pos, kw, 1, "by");
      const Value* rev = Arg(pos, kw, 2, "reverse");
      const bool case_sensitive = cs && cs->Truthy();
      const bool by_value = by && by->is_string() && by->s() == "value";
      const bool reverse = rev && rev->Truthy();
      Array items;
      for (const auto& [k, v] : self.obj()) items.push_back(Value::MakeArray({Value::Str(k), v}));
      bool ok = true;
      std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        int c = 0;
        if (!CompareValues(a.arr()[by_value ? 1 : 0], b.arr()[by_value ? 1 : 0], case_sensitive, &c)) ok = false;
        return reverse ? c > 0 : c < 0;
      });
      if (!ok) return Error(at, "dictsort: cannot compare values of different types");
      return Value::MakeArray(std::move(items));
    }
  }
  if (self.is_string()) {
    const std::string& s = self.s();
    if (name == "upper") return Value::Str(JsUpper(s));
    if (name == "lower") return Value::Str(JsLower(s));
    if (name == "strip") return Value::Str(JsTrim(s));
    if (name == "lstrip") return Value::Str(JsTrim(s, true, false));
    if (name == "rstrip") return Value::Str(JsTrim(s, false, true));
    if (name == "capitalize") {
      std::vector<std::string> chars = SplitChars(s);
      if (!chars.empty()) chars[0] = JsUpper(chars[0]);
      std::string out;
      for (const auto& c : chars) out += c;
      return Value::Str(out);
    }
    if (name == "title") {
      std::string out;
      bool prev_word = false;
      for (char c : s) {
        const bool word = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        out += (!prev_word && word) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        prev_word = word;
      }
      return Value::Str(out);
    }
    if (name == "startswith" || name == "endswith") {
      if (pos.empty()) return Error(at, name + "() requires an argument");
      auto test = [&](const std::string& p) {
        if (p.size() > s.size()) return false;
        return name == "startswith" ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
      };
      if (pos[0].is_string()) return Value::Bool(test(pos[0].s()));
      if (pos[0].is_array()) {
        for (const Value& p : pos[0].arr()) {
          if (!p.is_string()) return Error(at, name + "() tuple elements must be strings");
          if (test(p.s())) return Value::Bool(true);
        }
        return Value::Bool(false);
      }
      return Error(at, name + "() argument must be a string or tuple of strings");
    }
    if (name == "split") {
      const Value* sep = Arg(pos, kw, 0, "sep");
      const Value* maxv = Arg(pos, kw, 1, "maxsplit");
      const int64_t maxsplit = maxv && maxv->kind() == Kind::kInt ? maxv->i() : -1;
      Array out;
      if (!sep || sep->is_none()) {
        // Python str.split(): runs of whitespace, no empty strings.
        std::string t = JsTrim(s, true, false);
        size_t i = 0;
        while (i < t.size()) {
          size_t len = 0;
          if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
            out.push_back(Value::Str(t.substr(i)));
            break;
          }
          size_t j = i;
          while (j < t.size() && !IsJsSpaceAt(t, j, &len)) ++j;
          out.push_back(Value::Str(t.substr(i, j - i)));
          i = j;
          while (i < t.size() && IsJsSpaceAt(t, i, &len)) i += len;
        }
        return Value::MakeArray(std::move(out));
      }
      if (!sep->is_string()) return Error(at, "split() separator must be a string");
      if (sep->s().empty()) return Error(at, "empty separator");
      size_t start = 0;
      while (true) {
        const size_t hit = s.find(sep->s(), start);
        if (hit == std::string::npos || (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit)) {
          out.push_back(Value::Str(s.substr(start)));
          break;
        }
        out.push_back(Value::Str(s.substr(start, hit - start)));
        start = hit + sep->s().size();
      }
      return Value::MakeArray(std::move(out));
    }
    if (name == "replace") {
      if (pos.size() < 2 || !pos[0].is_string() || !pos[1].is_string()) {
        return Error(at, "replace() requires two string arguments");
      }
      const Value* count_v = Arg(pos, kw, 2, "count");
      int64_t count = count_v && count_v->kind() == Kind::kInt ? count_v->i() : -1;
      const std::string& from = pos[0].s();
      const std::string& to = pos[1].s();
      std::string out;
      if (from.empty()) {
        // Python inserts `to` between every character (and at both ends).
        std::vector<std::string> chars = SplitChars(s);
        for (size_t i = 0; i <= chars.size(); ++i) {
          if (count < 0 || static_cast<int64_t>(i) < count) out += to;
          if (i < chars.size()) out += chars[i];
        }
      } else {
        size_t start = 0;
        while (count != 0) {
          const size_t hit = s.find(from, start);
          if (hit == std::string::npos) break;
          out.append(s, start, hit - start);
          out += to;
          start = hit + from.size();
          if (count > 0) --count;
          if (out.size() > limits_.max_output_bytes) return Status(StatusCode::kResourceExhausted, "string too long");
        }
        out.append(s, start, std::string::npos);
      }
      return Value::Str(std::move(out));
    }
  }
  return Error(at, "unknown method " + name + " on " + std::string(self.TypeName()));
}

Result<Value> Interp::ApplyFilter(Value operand, const Node& filter, const ScopePtr& scope) {
  if (filter.kind == NodeKind::kIdent) return Filter(operand, filter.str, {}, {}, false, scope, filter);
  std::vector<Value> pos;
  Object kw;
  HEARTH_RETURN_IF_ERROR(EvalArgs(filter.args, scope, pos, kw));
  return Filter(operand, filter.x->str, pos, kw, true, scope, filter);
}

Result<Value> Interp::Filter(const Value& v, const std::string& name, const std::vector<Value>& pos,
                             const Object& kw, bool called, const ScopePtr& scope, const Node& at) {
  if (name == "safe") return v;
  if (name == "tojson") {
    JsonFormat fmt;
    if (const Value* ind = Kw(kw, "indent"); ind && ind->kind() == Kind::kInt) fmt.indent = static_cast<int>(ind->i());
    if (const Value* ea = Kw(kw, "ensure_ascii")) fmt.ensure_ascii = ea->Truthy();
    if (const Value* sk = Kw(kw, "sort_keys")) fmt.sort_keys = sk->Truthy();
    if (const Value* sep = Kw(kw, "separators"); sep && sep->is_array() && sep->arr().size() == 2 &&
                                                 sep->arr()[0].is_string() && sep->arr()[1].is_string()) {
      fmt.item_sep = sep->arr()[0].s();
      fmt.key_sep = sep->arr()[1].s();
    }
    std::string out;
    if (!ToJson(v, fmt, out)) return Error(at, "cannot convert to JSON: " + std::string(v.TypeName()));
    return Value::Str(std::move(out));
  }
  if (name == "default" || name == "d") {
    const Value* def = Arg(pos, kw, 0, "default_value");
    const Value* boolean = Arg(pos, kw, 1, "boolean");
    if (v.is_undefined() || (boolean && boolean->Truthy() && !v.Truthy())) return def ? *def : Value::Str("");
    return v;
  }
  if (v.is_array()) {
    const Array& a = v.arr();
    if (name == "list") return v;
    if (name == "first") return a.empty() ? Value() : a.front();
    if (name == "last") return a.empty() ? Value() : a.back();
    if (name == "length" || name == "count") return Value::Int(static_cast<int64_t>(a.size()));
    if (name == "reverse") return Value::MakeArray(Array(a.rbegin(), a.rend()));
    if (name == "string") {
      std::string out;
      JsonFormat fmt;
      fmt.undefined_as_null = false;
      if (!ToJson(v, fmt, out)) return Error(at, "cannot convert to string");
      return Value::Str(std::move(out));
    }
    if (name == "join") {
      const Value* sep = Arg(pos, kw, 0, "d");
      std::string out;
      for (size_t i = 0; i < a.size(); ++i) {
        if (i && sep && sep->is_string()) out += sep->s();
        out += a[i].kind() == Kind::kFloat ? JsNumberToString(a[i].d()) : a[i].ToString();
      }
      return Value::Str(std::move(out));
    }
    if (name == "unique") {
      Array out;
      for (const Value& x : a) {
        bool seen = false;
        for (const Value& y : out) seen = seen || StrictEquals(x, y);
        if (!seen) out.push_back(x);
      }
      return Value::MakeArray(std::move(out));
    }
    if (name == "sort") {
      const Value* rev = Arg(pos, kw, 0, "reverse");
      const Value* cs = Arg(pos, kw, 1, "case_sensitive");
      const Value* attr = Arg(pos, kw, 2, "attribute");
      Array out = a;
      bool ok = true;
      auto key = [&](const Value& x) -> Value {
        if (!attr || !attr->is_string() || !x.is_attr_container()) return x;
        const Value* f = x.Find(attr->s());
        return f ? *f : Value();
      };
      std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
        int c = 0;
        if (!CompareValues(key(x), key(y), cs && cs->Truthy(), &c)) ok = false;
        return (rev && rev->Truthy()) ? c > 0 : c < 0;
      });
      if (!ok) return Error(at, "sort: cannot compare values");
      return Value::MakeArray(std::move(out));
    }
    if (name == "selectattr" || name == "rejectattr" || name == "select" || name == "reject") {
      const bool by_attr = name == "selectattr" || name == "rejectattr";
      const bool select = name == "selectattr" || name == "select";
      size_t i = 0;
      std::string attr;
      if (by_attr) {
        if (pos.empty() || !pos[0].is_string()) return Error(at, name + " needs an attribute name");
        attr = pos[0].s();
        i = 1;
      }
      Array out;
      for (const Value& item : a) {
        Value x = item;
        if (by_attr) {
          if (!item.is_attr_container()) return Error(at, name + " can only be applied to a list of objects");
          const Value* f = item.Find(attr);
          x = f ? *f : Value();
        }
        bool r;
        if (i < pos.size()) {
          if (!pos[i].is_string()) return Error(at, name + ": test name must be a string");
          if (pos[i].s() == "equalto" || pos[i].s() == "eq" || pos[i].s() == "==") {
            r = i + 1 < pos.size() && LooseEquals(x, pos[i + 1]);
          } else {
            HEARTH_ASSIGN_OR_RETURN(r, ApplyTest(x, pos[i].s(), at));
          }
        } else {
          r = x.Truthy();
        }
        if (r == select) out.push_back(item);
      }
      return Value::MakeArray(std::move(out));
    }
    if (name == "map") {
      Array out;
      const Value* attr = Kw(kw, "attribute");
      for (const Value& item : a) {
        if (attr) {
          if (!attr->is_string()) return Error(at, "map: attribute must be a string");
          if (!item.is_attr_container()) return Error(at, "items in map must be objects");
          const Value* f = item.Find(attr->s());
          const Value* def = Kw(kw, "default");
          out.push_back(f ? *f : (def ? *def : Value()));
        } else if (!pos.empty() && pos[0].is_string()) {
          std::vector<Value> rest(pos.begin() + 1, pos.end());
          HEARTH_ASSIGN_OR_RETURN(Value m, Filter(item, pos[0].s(), rest, {}, rest.size() > 0, scope, at));
          out.push_back(std::move(m));
        } else {
          return Error(at, "map needs a filter name or attribute=");
        }
      }
      return Value::MakeArray(std::move(out));
    }
    return Error(at, "unknown ArrayValue filter: " + name);
  }
  if (v.is_string()) {
    const std::string& s = v.s();
    if (name == "length" || name == "count") return Value::Int(Utf16Length(s));
    if (name == "upper") return Value::Str(JsUpper(s));
    if (name == "lower") return Value::Str(JsLower(s));
    if (name == "trim") return Value::Str(JsTrim(s));
    if (name == "string" || name == "join") return v;
    if (name == "list") {
      Array out;
      for (auto& c : SplitChars(s)) out.push_back(Value::Str(c));
      return Value::MakeArray(std::move(out));
    }
    if (name == "first" || name == "last") {
      std::vector<std::string> chars = SplitChars(s);
      if (chars.empty()) return Value();
      return Value::Str(name == "first" ? chars.front() : chars.back());
    }
    if (name == "title" || name == "capitalize" || name == "replace") {
      return CallBuiltin(Value::Builtin(name, v), pos, kw, at);
    }
    if (name == "int" || name == "float") {
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end == s.c_str()) {
        const Value* def = Arg(pos, kw, 0, "default");
        return def ? *def : (name == "int" ? Value::Int(0) : Value::Float(0));
      }
      return name == "int" ? Value::Int(static_cast<int64_t>(d)) : Value::Float(d);
    }
    if (name == "indent") {
      const Value* w = Arg(pos, kw, 0, "width");
      const Value* first = Arg(pos, kw, 1, "first");
      const Value* blank = Arg(pos, kw, 2, "blank");
      const std::string pad(w && w->kind() == Kind::kInt ? static_cast<size_t>(std::clamp<int64_t>(w->i(), 0, 1000)) : 4, ' ');
      std::string out;
      size_t start = 0;
      for (int line = 0;; ++line) {
        const size_t nl = s.find('\n', start);
        const std::string piece = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        const bool indent = !((line == 0 && !(first && first->Truthy())) || (piece.empty() && !(blank && blank->Truthy())));
        if (indent) out += pad;
        out += piece;
        if (nl == std::string::npos) break;
        out += '\n';
        start = nl + 1;
      }
      return Value::Str(std::move(out));
    }
    return Error(at, "unknown StringValue filter: " + name);
  }
  if (v.is_number()) {
    if (name == "abs") return v.kind() == Kind::kInt ? Value::Int(v.i() < 0 ? -v.i() : v.i()) : Value::Float(std::fabs(v.d()));
    if (name == "int") return v.kind() == Kind::kInt || called ? v : Value::Int(static_cast<int64_t>(std::floor(v.d())));
    if (name == "float") return Value::Float(v.num());
    if (name == "string") return Value::Str(v.ToString());
    return Error(at, "unknown NumericValue filter: " + name);
  }
  if (v.is_object()) {
    if (name == "items" || name == "dictsort" || name == "keys" || name == "values") {
      return CallBuiltin(Value::Builtin(name, v), pos, kw, at);
    }
    if (name == "length" || name == "count") return Value::Int(static_cast<int64_t>(v.obj().size()));
    if (name == "list") {
      Array keys;
      for (const auto& [k, x] : v.obj()) keys.push_back(Value::Str(k));
      return Value::MakeArray(std::move(keys));
    }
    return Error(at, "unknown ObjectValue filter: " + name);
  }
  if (v.kind() == Kind::kBool) {
    if (name == "bool") return v;
    if (name == "int") return Value::Int(v.b() ? 1 : 0);
    if (name == "float") return Value::Float(v.b() ? 1 : 0);
    if (name == "string") return Value::Str(v.b() ? "true" : "false");
    return Error(at, "unknown BooleanValue filter: " + name);
  }
  return Error(at, "cannot apply filter \"" + name + "\" to type: " + std::string(v.TypeName()));
}

Result<bool> Interp::ApplyTest(const Value& v, const std::string& name, const Node& at) {
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.kind() == Kind::kBool;
  if (name == "true") return v.kind() == Kind::kBool && v.b();
  if (name == "false") return v.kind() == Kind::kBool && !v.b();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.kind() == Kind::kInt;
  if (name == "float") return v.kind() == Kind::kFloat;
  if (name == "mapping") return v.is_object();
  if (name == "iterable") return v.is_array() || v.is_string();
  // As in @huggingface/jinja (not Python): a mapping is also a "sequence".
  if (name == "sequence") return v.is_array() || v.is_object() || v.is_string();
  if (name == "callable") return v.is_callable();
  if (name == "lower") return v.is_string() && JsLower(v.s()) == v.s();
  if (name == "upper") return v.is_string() && JsUpper(v.s()) == v.s();
  if (name == "odd" || name == "even") {
    if (v.kind() != Kind::kInt) return Error(at, "cannot " + name + " on " + std::string(v.TypeName()));
    return (v.i() % 2 != 0) == (name == "odd");
  }
  return Error(at, "unknown test: " + name);
}

}  // namespace hearth::jinja
