// Runtime values of the Jinja interpreter (jinja_eval.cc) and their text forms.
// Semantics follow @huggingface/jinja 0.5.11, the engine our reference prompts were rendered with:
// JS-style number printing, `none`/undefined print as "", objects keep insertion order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::jinja {

struct Node;
struct Scope;
class Value;

using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;

enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kArray,
  kObject,
  kNamespace,  // namespace(): an Object whose attributes `set ns.x = ...` may assign
  kMacro,      // a {% macro %} or a {% call %} caller block
  kBuiltin,    // a global function (range, namespace, ...) or a bound method ("abc".upper)
};

// A value with reference semantics for arrays/objects (like Python and JS): copies share the
// container, so `ns.items` mutated through one copy is seen through all. Cheap to copy.
class Value {
 public:
  Value() = default;
  static Value None() { return Make(Kind::kNone); }
  static Value Bool(bool b) { Value v = Make(Kind::kBool); v.b_ = b; return v; }
  static Value Int(int64_t i) { Value v = Make(Kind::kInt); v.i_ = i; return v; }
  static Value Float(double d) { Value v = Make(Kind::kFloat); v.d_ = d; return v; }
  static Value Str(std::string s) { Value v = Make(Kind::kString); v.s_ = std::move(s); return v; }
  static Value MakeArray(Array a = {});
  static Value MakeObject(Object o = {}, Kind kind = Kind::kObject);
  // name: builtin function name; self: receiver for methods (Undefined for globals).
  static Value Builtin(std::string name, Value self);
  // node: the Macro or CallBlock node; scope: where a caller block was defined (null for macros).
  static Value Macro(const Node* node, std::shared_ptr<Scope> scope);
  // Converts JSON input the way JS JSON.parse + @huggingface/jinja would see it: integral floats
  // become ints, integer-like object keys move first (JS property order).
  static Value FromJson(const nlohmann::ordered_json& j, int depth = 0);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_attr_container() const { return kind_ == Kind::kObject || kind_ == Kind::kNamespace; }
  bool is_callable() const { return kind_ == Kind::kMacro || kind_ == Kind::kBuiltin; }

  bool b() const { return b_; }
  int64_t i() const { return i_; }
  double d() const { return d_; }
  double num() const { return kind_ == Kind::kInt ? static_cast<double>(i_) : kind_ == Kind::kBool ? (b_ ? 1 : 0) : d_; }
  const std::string& s() const { return s_; }
  Array& arr() const { return *arr_; }
  Object& obj() const { return *obj_; }
  const Node* macro_node() const { return node_; }
  const std::shared_ptr<Scope>& macro_scope() const { return scope_; }
  const Value& self() const { return *self_; }
  const void* identity() const;  // container identity for JS `==` on arrays/objects

  // Object lookup; nullptr when absent.
  const Value* Find(std::string_view key) const;
  void Set(std::string_view key, Value v) const;

  bool Truthy() const;
  // Text as `{{ x }}` prints it (JS toString()).
  std::string ToString() const;
  // Python-Jinja/JS type name for error messages.
  std::string_view TypeName() const;

 private:
  static Value Make(Kind k) { Value v; v.kind_ = k; return v; }
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::shared_ptr<Array> arr_;
  std::shared_ptr<Object> obj_;
  const Node* node_ = nullptr;
  std::shared_ptr<Scope> scope_;
  std::shared_ptr<Value> self_;
};

struct JsonFormat {
  int indent = -1;  // < 0: single line
  bool ensure_ascii = false;
  bool sort_keys = false;
  std::string item_sep;  // empty: defaults (", " single line, "," indented)
  std::string key_sep;   // empty: ": "
  bool undefined_as_null = true;
};
// tojson / printing of containers; fails only on non-serialisable values (macros).
bool ToJson(const Value& v, const JsonFormat& fmt, std::string& out, int depth = 0);

// ECMAScript Number.prototype.toString for finite and non-finite doubles.
std::string JsNumberToString(double v);
// JSON.stringify of a string (non-ASCII kept unless ensure_ascii).
void AppendJsonString(std::string_view s, bool ensure_ascii, std::string& out);

// String helpers with JS semantics on UTF-8 text.
std::string JsTrim(std::string_view s, bool left = true, bool right = true);
std::string JsLower(std::string_view s);
std::string JsUpper(std::string_view s);
// <0, 0, >0 comparing UTF-16 code unit sequences (JS string order).
int JsCompare(std::string_view a, std::string_view b);
bool IsJsSpaceAt(std::string_view s, size_t pos, size_t* len);

// JS `a == b` on the interpreter's values (loose equality; containers by identity).
bool LooseEquals(const Value& a, const Value& b);
// JS `a === b` (used by `in` on arrays).
bool StrictEquals(const Value& a, const Value& b);

}  // namespace hearth::jinja
