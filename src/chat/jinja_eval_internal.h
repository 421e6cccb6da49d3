// Interpreter internals shared by jinja_eval.cc (statements, expressions) and
// jinja_builtins.cc (filters, tests, methods, global functions). Not a public header.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/jinja.h"
#include "chat/jinja_ast.h"

namespace hearth::jinja {

// One variable scope. Heap-allocated and shared because caller blocks keep their defining scope.
struct Scope {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Scope> parent;
  const Value* Lookup(const std::string& name) const;
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { kNormal, kBreak, kContinue };

// One render. Not thread-safe; Template::Render creates one per call.
class Interp {
 public:
  Interp(std::string_view source, const RenderLimits& limits) : source_(source), limits_(limits) {}

  Status ExecBlock(const std::vector<NodePtr>& body, const ScopePtr& scope, std::string& out, Flow& flow);

 private:
  Status Exec(const Node& n, const ScopePtr& scope, std::string& out, Flow& flow);
  Status ExecFor(const Node& n, const ScopePtr& scope, std::string& out);
  Status ExecSet(const Node& n, const ScopePtr& scope);
  Status Bind(const Node& target, const Value& v, Scope& scope, const Node& at);
  Status EvalArgs(const std::vector<NodePtr>& args, const ScopePtr& scope, std::vector<Value>& pos, Object& kw);
  Result<Value> Eval(const Node& n, const ScopePtr& scope);
  Result<Value> EvalMember(const Node& n, const ScopePtr& scope);
  Result<Value> EvalSlice(const Value& obj, const Node& s, const ScopePtr& scope);
  Result<Value> EvalBinary(const Node& n, const ScopePtr& scope);
  Result<Value> Call(const Value& fn, std::vector<Value> pos, Object kw, const ScopePtr& scope, const Node& at);
  Result<Value> CallMacro(const Value& fn, std::vector<Value> pos, Object kw, const ScopePtr& call_scope,
                          const Node& at);
  // jinja_builtins.cc
  Result<Value> CallBuiltin(const Value& fn, const std::vector<Value>& pos, const Object& kw, const Node& at);
  Result<Value> ApplyFilter(Value operand, const Node& filter, const ScopePtr& scope);
  Result<Value> Filter(const Value& v, const std::string& name, const std::vector<Value>& pos, const Object& kw,
                       bool called, const ScopePtr& scope, const Node& at);
  Result<bool> ApplyTest(const Value& v, const std::string& name, const Node& at);

  Status Error(const Node& at, const std::string& what) const;
  Status Step(const Node& at);
  Status Append(std::string& out, std::string_view s, const Node& at) const;

  std::string_view source_;
  RenderLimits limits_;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
};

bool IsObjectMethod(const std::string& name);
bool IsStringMethod(const std::string& name);
std::vector<std::string> SplitChars(std::string_view s);  // one UTF-8 code point per entry
int64_t Utf16Length(std::string_view s);

}  // namespace hearth::jinja
