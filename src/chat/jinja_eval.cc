// Jinja interpreter: walks the syntax tree of jinja_parser.cc over jinja::Value.
// Semantics deliberately follow @huggingface/jinja 0.5.11 (the engine that produced our reference
// prompts) where it differs from Python Jinja: macros see the caller's variables, `.get()` of a
// missing key is none, `none`/undefined print nothing, booleans print as true/false.
// Filters, tests and methods live in jinja_builtins.cc.
#include <cmath>
#include <unordered_map>

#include "chat/jinja.h"
#include "chat/jinja_ast.h"
#include "chat/jinja_eval_internal.h"

namespace hearth::jinja {

const Value* Scope::Lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent.get()) {
    auto it = s->vars.find(name);
    if (it != s->vars.end()) return &it->second;
  }
  return nullptr;
}

Status Interp::Error(const Node& at, const std::string& what) const {
  return InvalidArgument("template error at " + DescribePosition(source_, at.offset) + ": " + what);
}

Status Interp::Step(const Node& at) {
  if (++steps_ > limits_.max_steps) {
    return Status(StatusCode::kResourceExhausted, "template error at " + DescribePosition(source_, at.offset) +
                                                      ": step limit exceeded");
  }
  return Status::Ok();
}

Status Interp::Append(std::string& out, std::string_view s, const Node& at) const {
  if (out.size() + s.size() > limits_.max_output_bytes) {
    return Status(StatusCode::kResourceExhausted, "template error at " + DescribePosition(source_, at.offset) +
                                                      ": output larger than " +
                                                      std::to_string(limits_.max_output_bytes) + " bytes");
  }
  out.append(s);
  return Status::Ok();
}

Status Interp::ExecBlock(const std::vector<NodePtr>& body, const ScopePtr& scope, std::string& out, Flow& flow) {
  for (const NodePtr& n : body) {
    HEARTH_RETURN_IF_ERROR(Exec(*n, scope, out, flow));
    if (flow != Flow::kNormal) return Status::Ok();
  }
  return Status::Ok();
}

Status Interp::Exec(const Node& n, const ScopePtr& scope, std::string& out, Flow& flow) {
  HEARTH_RETURN_IF_ERROR(Step(n));
  switch (n.kind) {
    case NodeKind::kText: return Append(out, n.str, n);
    case NodeKind::kOutput: {
      HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*n.x, scope));
      if (v.is_none() || v.is_undefined()) return Status::Ok();
      return Append(out, v.ToString(), n);
    }
    case NodeKind::kIf: {
      HEARTH_ASSIGN_OR_RETURN(Value test, Eval(*n.x, scope));
      return ExecBlock(test.Truthy() ? n.body : n.alt, scope, out, flow);
    }
    case NodeKind::kFor: return ExecFor(n, scope, out);
    case NodeKind::kSet: return ExecSet(n, scope);
    case NodeKind::kMacro:
      scope->vars[n.str] = Value::Macro(&n, nullptr);
      return Status::Ok();
    case NodeKind::kCallBlock: {
      const Node& call = *n.x;
      std::vector<Value> pos;
      Object kw;
      HEARTH_RETURN_IF_ERROR(EvalArgs(call.args, scope, pos, kw));
      HEARTH_ASSIGN_OR_RETURN(Value fn, Eval(*call.x, scope));
      auto env = std::make_shared<Scope>();
      env->parent = scope;
      env->vars["caller"] = Value::Macro(&n, scope);
      HEARTH_ASSIGN_OR_RETURN(Value r, Call(fn, std::move(pos), std::move(kw), env, n));
      if (r.is_none() || r.is_undefined()) return Status::Ok();
      return Append(out, r.ToString(), n);
    }
    case NodeKind::kFilterBlock: {
      std::string inner;
      Flow f = Flow::kNormal;
      HEARTH_RETURN_IF_ERROR(ExecBlock(n.body, scope, inner, f));
      HEARTH_ASSIGN_OR_RETURN(Value r, ApplyFilter(Value::Str(std::move(inner)), *n.x, scope));
      return Append(out, r.ToString(), n);
    }
    case NodeKind::kBreak: flow = Flow::kBreak; return Status::Ok();
    case NodeKind::kContinue: flow = Flow::kContinue; return Status::Ok();
    default: return Error(n, "expression used as statement");
  }
}

Status Interp::Bind(const Node& target, const Value& v, Scope& scope, const Node& at) {
  if (target.kind == NodeKind::kIdent) {
    scope.vars[target.str] = v;
    return Status::Ok();
  }
  if (target.kind == NodeKind::kTupleLit) {
    if (!v.is_array()) return Error(at, "cannot unpack non-iterable " + std::string(v.TypeName()));
    if (v.arr().size() != target.args.size()) return Error(at, "wrong number of items to unpack");
    for (size_t i = 0; i < target.args.size(); ++i) {
      if (target.args[i]->kind != NodeKind::kIdent) return Error(at, "cannot unpack to a non-identifier");
      scope.vars[target.args[i]->str] = v.arr()[i];
    }
    return Status::Ok();
  }
  return Error(at, "invalid assignment target");
}

Status Interp::ExecSet(const Node& n, const ScopePtr& scope) {
  Value rhs;
  if (n.y) {
    HEARTH_ASSIGN_OR_RETURN(rhs, Eval(*n.y, scope));
  } else {
    std::string captured;
    Flow f = Flow::kNormal;
    HEARTH_RETURN_IF_ERROR(ExecBlock(n.body, scope, captured, f));
    rhs = Value::Str(std::move(captured));
  }
  if (n.x->kind == NodeKind::kMember) {
    const Node& m = *n.x;
    HEARTH_ASSIGN_OR_RETURN(Value obj, Eval(*m.x, scope));
    if (obj.kind() != Kind::kNamespace) return Error(n, "cannot assign attribute on non-namespace object");
    if (m.y) return Error(n, "cannot assign to a subscript");
    obj.Set(m.str, std::move(rhs));
    return Status::Ok();
  }
  return Bind(*n.x, rhs, *scope, n);
}

Status Interp::ExecFor(const Node& n, const ScopePtr& scope, std::string& out) {
  auto loop_scope = std::make_shared<Scope>();
  loop_scope->parent = scope;
  HEARTH_ASSIGN_OR_RETURN(Value iterable, Eval(*n.y, loop_scope));
  Array items;
  if (iterable.is_array()) {
    items = iterable.arr();
  } else if (iterable.is_object()) {
    for (const auto& [k, v] : iterable.obj()) items.push_back(Value::Str(k));
  } else {
    return Error(n, "expected iterable or object type in for loop: got " + std::string(iterable.TypeName()));
  }
  if (n.z) {
    Array kept;
    for (const Value& item : items) {
      auto test_scope = std::make_shared<Scope>();
      test_scope->parent = loop_scope;
      HEARTH_RETURN_IF_ERROR(Bind(*n.x, item, *test_scope, n));
      HEARTH_ASSIGN_OR_RETURN(Value t, Eval(*n.z, test_scope));
      if (t.Truthy()) kept.push_back(item);
    }
    items = std::move(kept);
  }
  bool iterated = false;
  const auto count = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < count; ++i) {
    HEARTH_RETURN_IF_ERROR(Step(n));
    Object loop{
        {"index", Value::Int(i + 1)},
        {"index0", Value::Int(i)},
        {"revindex", Value::Int(count - i)},
        {"revindex0", Value::Int(count - i - 1)},
        {"first", Value::Bool(i == 0)},
        {"last", Value::Bool(i == count - 1)},
        {"length", Value::Int(count)},
        {"previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value()},
        {"nextitem", i < count - 1 ? items[static_cast<size_t>(i + 1)] : Value()},
    };
    loop_scope->vars["loop"] = Value::MakeObject(std::move(loop));
    HEARTH_RETURN_IF_ERROR(Bind(*n.x, items[static_cast<size_t>(i)], *loop_scope, n));
    Flow flow = Flow::kNormal;
    HEARTH_RETURN_IF_ERROR(ExecBlock(n.body, loop_scope, out, flow));
    if (flow == Flow::kBreak) {
      iterated = true;
      break;
    }
    iterated = true;
  }
  if (!iterated) {
    Flow flow = Flow::kNormal;
    HEARTH_RETURN_IF_ERROR(ExecBlock(n.alt, loop_scope, out, flow));
  }
  return Status::Ok();
}

Status Interp::EvalArgs(const std::vector<NodePtr>& args, const ScopePtr& scope, std::vector<Value>& pos,
                        Object& kw) {
  for (const NodePtr& a : args) {
    if (a->kind == NodeKind::kKwArg) {
      HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*a->x, scope));
      for (const auto& e : kw) {
        if (e.first == a->str) return Error(*a, "got multiple values for keyword argument '" + a->str + "'");
      }
      kw.emplace_back(a->str, std::move(v));
    } else {
      HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*a, scope));
      pos.push_back(std::move(v));
    }
  }
  return Status::Ok();
}

Result<Value> Interp::CallMacro(const Value& fn, std::vector<Value> pos, Object kw, const ScopePtr& call_scope,
                                const Node& at) {
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    return Status(StatusCode::kResourceExhausted,
                  "template error at " + DescribePosition(source_, at.offset) + ": macro recursion too deep");
  }
  const Node& def = *fn.macro_node();
  auto scope = std::make_shared<Scope>();
  // Macros resolve free variables in the calling scope (as @huggingface/jinja does); caller
  // blocks in the scope where the {% call %} statement appeared.
  scope->parent = fn.macro_scope() ? fn.macro_scope() : call_scope;
  std::vector<std::pair<const Node*, std::string>> pending_defaults;
  for (size_t i = 0; i < def.args.size(); ++i) {
    const Node& p = *def.args[i];
    const std::string& name = p.kind == NodeKind::kKwArg ? p.str : p.str;
    Value v;
    bool have = false;
    if (i < pos.size()) {
      v = pos[i];
      have = true;
    } else {
      for (auto it = kw.begin(); it != kw.end(); ++it) {
        if (it->first == name) {
          v = it->second;
          kw.erase(it);
          have = true;
          break;
        }
      }
    }
    if (!have && p.kind == NodeKind::kKwArg) pending_defaults.emplace_back(p.x.get(), name);
    scope->vars[name] = v;
  }
  scope->vars["kwargs"] = Value::MakeObject(std::move(kw));
  Array varargs;
  for (size_t i = def.args.size(); i < pos.size(); ++i) varargs.push_back(pos[i]);
  scope->vars["varargs"] = Value::MakeArray(std::move(varargs));
  for (const auto& [expr, name] : pending_defaults) {
    auto r = Eval(*expr, scope);
    if (!r) {
      --call_depth_;
      return r.error();
    }
    scope->vars[name] = std::move(r).value();
  }
  std::string out;
  Flow flow = Flow::kNormal;
  Status st = ExecBlock(def.body, scope, out, flow);
  --call_depth_;
  if (!st.ok()) return st;
  return Value::Str(std::move(out));
}

Result<Value> Interp::Call(const Value& fn, std::vector<Value> pos, Object kw, const ScopePtr& scope,
                           const Node& at) {
  if (fn.kind() == Kind::kMacro) return CallMacro(fn, std::move(pos), std::move(kw), scope, at);
  if (fn.kind() == Kind::kBuiltin) return CallBuiltin(fn, pos, kw, at);
  return Error(at, "cannot call something that is not a function: got " + std::string(fn.TypeName()));
}

Result<Value> Interp::Eval(const Node& n, const ScopePtr& scope) {
  switch (n.kind) {
    case NodeKind::kInt: return Value::Int(n.i);
    case NodeKind::kFloat: return Value::Float(n.d);
    case NodeKind::kStr: return Value::Str(n.str);
    case NodeKind::kIdent: {
      const Value* v = scope->Lookup(n.str);
      return v ? *v : Value();
    }
    case NodeKind::kArrayLit:
    case NodeKind::kTupleLit: {
      Array a;
      for (const NodePtr& e : n.args) {
        HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*e, scope));
        a.push_back(std::move(v));
      }
      return Value::MakeArray(std::move(a));
    }
    case NodeKind::kDictLit: {
      Value obj = Value::MakeObject();
      for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
        HEARTH_ASSIGN_OR_RETURN(Value k, Eval(*n.args[i], scope));
        if (!k.is_string()) return Error(n, "object keys must be strings");
        HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*n.args[i + 1], scope));
        obj.Set(k.s(), std::move(v));
      }
      return obj;
    }
    case NodeKind::kMember: return EvalMember(n, scope);
    case NodeKind::kCall: {
      std::vector<Value> pos;
      Object kw;
      HEARTH_RETURN_IF_ERROR(EvalArgs(n.args, scope, pos, kw));
      HEARTH_ASSIGN_OR_RETURN(Value fn, Eval(*n.x, scope));
      return Call(fn, std::move(pos), std::move(kw), scope, n);
    }
    case NodeKind::kUnaryOp: {
      HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*n.x, scope));
      if (n.str == "not") return Value::Bool(!v.Truthy());
      const int sign = n.str == "-" ? -1 : 1;
      if (v.kind() == Kind::kFloat) return Value::Float(sign * v.d());
      if (v.kind() == Kind::kInt || v.kind() == Kind::kBool) {
        const int64_t x = v.kind() == Kind::kBool ? (v.b() ? 1 : 0) : v.i();
        return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(sign)));
      }
      return Error(n, "unknown operator '" + n.str + "' for " + std::string(v.TypeName()));
    }
    case NodeKind::kBinary: return EvalBinary(n, scope);
    case NodeKind::kFilter: {
      HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*n.x, scope));
      return ApplyFilter(std::move(v), *n.y, scope);
    }
    case NodeKind::kTest: {
      HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*n.x, scope));
      HEARTH_ASSIGN_OR_RETURN(bool r, ApplyTest(v, n.str, n));
      return Value::Bool(n.negate ? !r : r);
    }
    case NodeKind::kTernary: {
      HEARTH_ASSIGN_OR_RETURN(Value c, Eval(*n.x, scope));
      return Eval(c.Truthy() ? *n.y : *n.z, scope);
    }
    case NodeKind::kSelect: {
      HEARTH_ASSIGN_OR_RETURN(Value c, Eval(*n.y, scope));
      if (!c.Truthy()) return Value();
      return Eval(*n.x, scope);
    }
    case NodeKind::kSlice: return Error(n, "slice outside of a subscript");
    default: return Error(n, "statement used as expression");
  }
}

Result<Value> Interp::EvalMember(const Node& n, const ScopePtr& scope) {
  HEARTH_ASSIGN_OR_RETURN(Value obj, Eval(*n.x, scope));
  Value prop;
  if (n.y && n.y->kind == NodeKind::kSlice) return EvalSlice(obj, *n.y, scope);
  if (n.y) {
    HEARTH_ASSIGN_OR_RETURN(prop, Eval(*n.y, scope));
  } else {
    prop = Value::Str(n.str);
  }
  if (obj.is_attr_container()) {
    if (!prop.is_string()) return Error(n, "cannot access property with non-string: got " + std::string(prop.TypeName()));
    if (const Value* v = obj.Find(prop.s())) return *v;
    if (obj.is_object() && IsObjectMethod(prop.s())) return Value::Builtin(prop.s(), obj);
    return Value();
  }
  if (obj.is_array() || obj.is_string()) {
    if (prop.kind() == Kind::kInt) {
      if (obj.is_array()) {
        const auto size = static_cast<int64_t>(obj.arr().size());
        int64_t i = prop.i() < 0 ? prop.i() + size : prop.i();
        if (i < 0 || i >= size) return Value();
        return obj.arr()[static_cast<size_t>(i)];
      }
      std::vector<std::string> chars = SplitChars(obj.s());
      const auto size = static_cast<int64_t>(chars.size());
      int64_t i = prop.i() < 0 ? prop.i() + size : prop.i();
      if (i < 0 || i >= size) return Value();
      return Value::Str(chars[static_cast<size_t>(i)]);
    }
    if (prop.is_string()) {
      if (obj.is_array()) {
        if (prop.s() == "length") return Value::Int(static_cast<int64_t>(obj.arr().size()));
        return Value();
      }
      if (prop.s() == "length") return Value::Int(Utf16Length(obj.s()));
      if (IsStringMethod(prop.s())) return Value::Builtin(prop.s(), obj);
      return Value();
    }
    return Error(n, "cannot access property with non-string/non-number: got " + std::string(prop.TypeName()));
  }
  if (!prop.is_string()) return Error(n, "cannot access property with non-string: got " + std::string(prop.TypeName()));
  return Value();
}

Result<Value> Interp::EvalSlice(const Value& obj, const Node& s, const ScopePtr& scope) {
  if (!obj.is_array() && !obj.is_string()) return Error(s, "slice object must be an array or string");
  std::optional<int64_t> part[3];
  const Node* nodes[3] = {s.x.get(), s.y.get(), s.z.get()};
  for (int k = 0; k < 3; ++k) {
    if (!nodes[k]) continue;
    HEARTH_ASSIGN_OR_RETURN(Value v, Eval(*nodes[k], scope));
    if (v.is_undefined()) continue;
    if (v.kind() != Kind::kInt) return Error(s, "slice indices must be integers");
    part[k] = v.i();
  }
  const int64_t step = part[2].value_or(1);
  if (step == 0) return Error(s, "slice step cannot be zero");
  std::vector<std::string> chars;
  if (obj.is_string()) chars = SplitChars(obj.s());
  const auto len = static_cast<int64_t>(obj.is_array() ? obj.arr().size() : chars.size());
  int64_t start, stop;
  if (step > 0) {
    start = part[0].value_or(0);
    start = start < 0 ? std::max<int64_t>(len + start, 0) : std::min(start, len);
    stop = part[1].value_or(len);
    stop = stop < 0 ? std::max<int64_t>(len + stop, 0) : std::min(stop, len);
  } else {
    start = part[0].value_or(len - 1);
    start = start < 0 ? std::max<int64_t>(len + start, -1) : std::min(start, len - 1);
    stop = part[1].value_or(-1);
    stop = stop < -1 ? std::max<int64_t>(len + stop, -1) : std::min(stop, len - 1);
  }
  Array out_arr;
  std::string out_str;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_array()) {
      out_arr.push_back(obj.arr()[static_cast<size_t>(i)]);
    } else {
      out_str += chars[static_cast<size_t>(i)];
    }
  }
  if (obj.is_array()) return Value::MakeArray(std::move(out_arr));
  return Value::Str(std::move(out_str));
}

namespace {
// JS `.value.toString()` as used by `+` and `~` on mixed operands: floats print in JS style.
std::string ConcatText(const Value& v) {
  if (v.kind() == Kind::kFloat) return JsNumberToString(v.d());
  return v.ToString();
}
int64_t WrapAdd(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }
int64_t WrapSub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
int64_t WrapMul(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }
}  // namespace

Result<Value> Interp::EvalBinary(const Node& n, const ScopePtr& scope) {
  const std::string& op = n.str;
  HEARTH_ASSIGN_OR_RETURN(Value l, Eval(*n.x, scope));
  if (op == "and") return l.Truthy() ? Eval(*n.y, scope) : Result<Value>(l);
  if (op == "or") return l.Truthy() ? Result<Value>(l) : Eval(*n.y, scope);
  HEARTH_ASSIGN_OR_RETURN(Value r, Eval(*n.y, scope));
  if (op == "==") return Value::Bool(LooseEquals(l, r));
  if (op == "!=") return Value::Bool(!LooseEquals(l, r));
  if (l.is_undefined() || r.is_undefined()) {
    if (r.is_undefined() && (op == "in" || op == "not in")) return Value::Bool(op == "not in");
    return Error(n, "cannot perform operation " + op + " on undefined values");
  }
  if (l.is_none() || r.is_none()) return Error(n, "cannot perform operation " + op + " on null values");
  if (op == "~") {
    std::string s = ConcatText(l) + ConcatText(r);
    if (s.size() > limits_.max_output_bytes) return Status(StatusCode::kResourceExhausted, "string too long");
    return Value::Str(std::move(s));
  }
  const bool l_num = l.is_number() || l.kind() == Kind::kBool;
  const bool r_num = r.is_number() || r.kind() == Kind::kBool;
  if (op == "**" && l_num && r_num) {
    const double res = std::pow(l.num(), r.num());
    if (!std::isfinite(res)) return Error(n, "exponentiation result is not a finite number");
    if (l.kind() == Kind::kFloat || r.kind() == Kind::kFloat || r.num() < 0) return Value::Float(res);
    return Value::Int(static_cast<int64_t>(res));
  }
  if (l.is_number() && r.is_number()) {
    const bool is_float = l.kind() == Kind::kFloat || r.kind() == Kind::kFloat;
    const double a = l.num(), b = r.num();
    if (op == "+") return is_float ? Value::Float(a + b) : Value::Int(WrapAdd(l.i(), r.i()));
    if (op == "-") return is_float ? Value::Float(a - b) : Value::Int(WrapSub(l.i(), r.i()));
    if (op == "*") return is_float ? Value::Float(a * b) : Value::Int(WrapMul(l.i(), r.i()));
    if (op == "/") {
      if (b == 0) return Error(n, "division by zero");
      return Value::Float(a / b);
    }
    if (op == "//" || op == "%") {
      if (b == 0) return Error(n, "division by zero");
      if (op == "//") return is_float ? Value::Float(std::floor(a / b)) : Value::Int(static_cast<int64_t>(std::floor(a / b)));
      return is_float ? Value::Float(std::fmod(a, b)) : Value::Int(l.i() == INT64_MIN && r.i() == -1 ? 0 : l.i() % r.i());
    }
    if (op == "<") return Value::Bool(a < b);
    if (op == ">") return Value::Bool(a > b);
    if (op == "<=") return Value::Bool(a <= b);
    if (op == ">=") return Value::Bool(a >= b);
  } else if (l.is_array() && r.is_array()) {
    if (op == "+") {
      Array a = l.arr();
      a.insert(a.end(), r.arr().begin(), r.arr().end());
      return Value::MakeArray(std::move(a));
    }
  } else if (r.is_array()) {
    bool member = false;
    for (const Value& x : r.arr()) {
      if (StrictEquals(x, l)) { member = true; break; }
    }
    if (op == "in") return Value::Bool(member);
    if (op == "not in") return Value::Bool(!member);
  }
  if ((l.is_string() || r.is_string()) && op == "+") {
    std::string s = ConcatText(l) + ConcatText(r);
    if (s.size() > limits_.max_output_bytes) return Status(StatusCode::kResourceExhausted, "string too long");
    return Value::Str(std::move(s));
  }
  if (l.is_string() && r.is_string()) {
    if (op == "in") return Value::Bool(r.s().find(l.s()) != std::string::npos);
    if (op == "not in") return Value::Bool(r.s().find(l.s()) == std::string::npos);
    // Python compares strings; @huggingface/jinja raises. Comparing is the more useful choice.
    const int c = JsCompare(l.s(), r.s());
    if (op == "<") return Value::Bool(c < 0);
    if (op == ">") return Value::Bool(c > 0);
    if (op == "<=") return Value::Bool(c <= 0);
    if (op == ">=") return Value::Bool(c >= 0);
  }
  if (l.is_string() && r.is_object()) {
    if (op == "in") return Value::Bool(r.Find(l.s()) != nullptr);
    if (op == "not in") return Value::Bool(r.Find(l.s()) == nullptr);
  }
  return Error(n, "unknown operator \"" + op + "\" between " + std::string(l.TypeName()) + " and " +
                      std::string(r.TypeName()));
}

Result<Template> Template::Parse(std::string_view source) {
  HEARTH_ASSIGN_OR_RETURN(auto program, ParseTemplate(source));
  Template t;
  t.program_ = std::move(program);
  return t;
}

Result<std::string> Template::Render(const Value& context, const RenderLimits& limits) const {
  auto globals = std::make_shared<Scope>();
  globals->vars["true"] = Value::Bool(true);
  globals->vars["false"] = Value::Bool(false);
  globals->vars["none"] = Value::None();
  globals->vars["True"] = Value::Bool(true);
  globals->vars["False"] = Value::Bool(false);
  globals->vars["None"] = Value::None();
  for (const char* f : {"raise_exception", "range", "namespace"}) globals->vars[f] = Value::Builtin(f, Value());
  if (context.is_object()) {
    for (const auto& [k, v] : context.obj()) globals->vars[k] = v;
  }
  auto root = std::make_shared<Scope>();
  root->parent = globals;
  Interp interp(program_->source, limits);
  std::string out;
  Flow flow = Flow::kNormal;
  HEARTH_RETURN_IF_ERROR(interp.ExecBlock(program_->body, root, out, flow));
  // Break cycles (a namespace holding a caller that holds its scope) so nothing leaks.
  root->vars.clear();
  return out;
}

}  // namespace hearth::jinja
