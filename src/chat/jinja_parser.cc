// Jinja parser: tokens -> syntax tree. Operator precedence follows @huggingface/jinja
// (ternary < or < and < not < comparison/in < + - ~ < * / // % < ** < is-test < filter < unary
// sign < call/member < primary). Nesting depth is bounded: templates are untrusted input.
#include "chat/jinja_ast.h"

namespace hearth::jinja {
namespace {

constexpr int kMaxNesting = 200;

class Parser {
 public:
  Parser(std::string_view src, std::vector<Token> toks) : src_(src), t_(std::move(toks)) {}

  Status ParseAll(std::vector<NodePtr>& out) {
    while (p_ < t_.size()) {
      NodePtr n;
      HEARTH_RETURN_IF_ERROR(Any(n));
      if (n) out.push_back(std::move(n));
    }
    return Status::Ok();
  }

 private:
  // ---- helpers ----
  bool Is(Tok t, size_t ahead = 0) const { return p_ + ahead < t_.size() && t_[p_ + ahead].type == t; }
  bool IsIdent(std::string_view name, size_t ahead = 0) const {
    return Is(Tok::kIdent, ahead) && t_[p_ + ahead].value == name;
  }
  bool IsStatement(std::initializer_list<std::string_view> names) const {
    if (!Is(Tok::kOpenStmt) || !Is(Tok::kIdent, 1)) return false;
    for (auto n : names) if (t_[p_ + 1].value == n) return true;
    return false;
  }
  uint32_t Off() const { return p_ < t_.size() ? t_[p_].offset : static_cast<uint32_t>(src_.size()); }
  Status Err(const std::string& what) const {
    return InvalidArgument("template syntax error at " + DescribePosition(src_, Off()) + ": " + what);
  }
  Status Expect(Tok t, const char* what) {
    if (!Is(t)) return Err(std::string("expected ") + what);
    ++p_;
    return Status::Ok();
  }
  Status ExpectIdent(std::string_view name) {
    if (!IsIdent(name)) return Err("expected '" + std::string(name) + "'");
    ++p_;
    return Status::Ok();
  }
  NodePtr New(NodeKind k, uint32_t off) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->offset = off;
    return n;
  }
  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) { ++d_; }
    ~DepthGuard() { --d_; }
    int& d_;
  };

  // Parses statements into `out` until one of `stops` begins (not consumed).
  Status Until(std::initializer_list<std::string_view> stops, std::vector<NodePtr>& out) {
    while (!IsStatement(stops)) {
      if (p_ >= t_.size()) return Err("unexpected end of template (missing {% " + std::string(*stops.begin()) + " %})");
      NodePtr n;
      HEARTH_RETURN_IF_ERROR(Any(n));
      if (n) out.push_back(std::move(n));
    }
    return Status::Ok();
  }
  Status End(std::string_view name) {
    HEARTH_RETURN_IF_ERROR(Expect(Tok::kOpenStmt, "{%"));
    HEARTH_RETURN_IF_ERROR(ExpectIdent(name));
    return Expect(Tok::kCloseStmt, "%}");
  }

  // ---- statements ----
  Status Any(NodePtr& out) {
    DepthGuard g(depth_);
    if (depth_ > kMaxNesting) return Err("template nested too deeply");
    const Token& tok = t_[p_];
    switch (tok.type) {
      case Tok::kComment: ++p_; return Status::Ok();
      case Tok::kText:
        out = New(NodeKind::kText, tok.offset);
        out->str = tok.value;
        ++p_;
        return Status::Ok();
      case Tok::kOpenExpr: {
        ++p_;
        out = New(NodeKind::kOutput, tok.offset);
        HEARTH_RETURN_IF_ERROR(Expr(out->x));
        return Expect(Tok::kCloseExpr, "}}");
      }
      case Tok::kOpenStmt: return Statement(out);
      default: return Err("unexpected token '" + tok.value + "'");
    }
  }

  Status Statement(NodePtr& out) {
    ++p_;  // {%
    if (!Is(Tok::kIdent)) return Err("expected statement name");
    const std::string name = t_[p_].value;
    const uint32_t off = t_[p_].offset;
    ++p_;
    if (name == "set") {
      out = New(NodeKind::kSet, off);
      HEARTH_RETURN_IF_ERROR(ExprSequence(out->x, false));
      if (Is(Tok::kEquals)) {
        ++p_;
        HEARTH_RETURN_IF_ERROR(ExprSequence(out->y, false));
      } else {
        HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
        HEARTH_RETURN_IF_ERROR(Until({"endset"}, out->body));
        HEARTH_RETURN_IF_ERROR(Expect(Tok::kOpenStmt, "{%"));
        HEARTH_RETURN_IF_ERROR(ExpectIdent("endset"));
      }
      return Expect(Tok::kCloseStmt, "%}");
    }
    if (name == "if") {
      HEARTH_RETURN_IF_ERROR(IfBody(out, off));
      return End("endif");
    }
    if (name == "for") {
      out = New(NodeKind::kFor, off);
      HEARTH_RETURN_IF_ERROR(ExprSequence(out->x, true));
      if (out->x->kind != NodeKind::kIdent && out->x->kind != NodeKind::kTupleLit) return Err("bad loop variable");
      HEARTH_RETURN_IF_ERROR(ExpectIdent("in"));
      NodePtr iter;
      HEARTH_RETURN_IF_ERROR(Expr(iter));
      if (iter->kind == NodeKind::kSelect) {
        out->y = std::move(iter->x);
        out->z = std::move(iter->y);
      } else {
        out->y = std::move(iter);
      }
      HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
      HEARTH_RETURN_IF_ERROR(Until({"endfor", "else"}, out->body));
      if (IsStatement({"else"})) {
        p_ += 2;
        HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
        HEARTH_RETURN_IF_ERROR(Until({"endfor"}, out->alt));
      }
      return End("endfor");
    }
    if (name == "macro") {
      out = New(NodeKind::kMacro, off);
      if (!Is(Tok::kIdent)) return Err("expected macro name");
      out->str = t_[p_++].value;
      HEARTH_RETURN_IF_ERROR(Args(out->args, true));
      HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
      HEARTH_RETURN_IF_ERROR(Until({"endmacro"}, out->body));
      return End("endmacro");
    }
    if (name == "call") {
      out = New(NodeKind::kCallBlock, off);
      if (Is(Tok::kOpenParen)) HEARTH_RETURN_IF_ERROR(Args(out->args, true));
      if (!Is(Tok::kIdent)) return Err("expected macro name after call");
      auto call = New(NodeKind::kCall, Off());
      call->x = New(NodeKind::kIdent, Off());
      call->x->str = t_[p_++].value;
      HEARTH_RETURN_IF_ERROR(Args(call->args, false));
      out->x = std::move(call);
      HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
      HEARTH_RETURN_IF_ERROR(Until({"endcall"}, out->body));
      return End("endcall");
    }
    if (name == "filter") {
      out = New(NodeKind::kFilterBlock, off);
      if (!Is(Tok::kIdent)) return Err("expected filter name");
      auto f = New(NodeKind::kIdent, Off());
      f->str = t_[p_++].value;
      if (Is(Tok::kOpenParen)) {
        auto call = New(NodeKind::kCall, f->offset);
        call->x = std::move(f);
        HEARTH_RETURN_IF_ERROR(Args(call->args, false));
        f = std::move(call);
      }
      out->x = std::move(f);
      HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
      HEARTH_RETURN_IF_ERROR(Until({"endfilter"}, out->body));
      return End("endfilter");
    }
    if (name == "break" || name == "continue") {
      out = New(name == "break" ? NodeKind::kBreak : NodeKind::kContinue, off);
      return Expect(Tok::kCloseStmt, "%}");
    }
    return Err("unknown statement '" + name + "'");
  }

  Status IfBody(NodePtr& out, uint32_t off) {
    DepthGuard g(depth_);
    if (depth_ > kMaxNesting) return Err("template nested too deeply");
    out = New(NodeKind::kIf, off);
    HEARTH_RETURN_IF_ERROR(Expr(out->x));
    HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
    HEARTH_RETURN_IF_ERROR(Until({"elif", "else", "endif"}, out->body));
    if (IsStatement({"elif"})) {
      const uint32_t o = t_[p_ + 1].offset;
      p_ += 2;
      NodePtr elif;
      HEARTH_RETURN_IF_ERROR(IfBody(elif, o));
      out->alt.push_back(std::move(elif));
    } else if (IsStatement({"else"})) {
      p_ += 2;
      HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseStmt, "%}"));
      HEARTH_RETURN_IF_ERROR(Until({"endif"}, out->alt));
    }
    return Status::Ok();
  }

  // ---- expressions ----
  Status ExprSequence(NodePtr& out, bool primary) {
    NodePtr first;
    HEARTH_RETURN_IF_ERROR(primary ? Primary(first) : Expr(first));
    if (!Is(Tok::kComma)) {
      out = std::move(first);
      return Status::Ok();
    }
    out = New(NodeKind::kTupleLit, first->offset);
    out->args.push_back(std::move(first));
    while (Is(Tok::kComma)) {
      ++p_;
      NodePtr n;
      HEARTH_RETURN_IF_ERROR(primary ? Primary(n) : Expr(n));
      out->args.push_back(std::move(n));
    }
    return Status::Ok();
  }

  Status Expr(NodePtr& out) {
    DepthGuard g(depth_);
    if (depth_ > kMaxNesting) return Err("expression nested too deeply");
    NodePtr a;
    HEARTH_RETURN_IF_ERROR(Or(a));
    if (!IsIdent("if")) {
      out = std::move(a);
      return Status::Ok();
    }
    const uint32_t off = Off();
    ++p_;
    NodePtr test;
    HEARTH_RETURN_IF_ERROR(Or(test));
    if (IsIdent("else")) {
      ++p_;
      out = New(NodeKind::kTernary, off);
      out->x = std::move(test);
      out->y = std::move(a);
      return Expr(out->z);
    }
    out = New(NodeKind::kSelect, off);
    out->x = std::move(a);
    out->y = std::move(test);
    return Status::Ok();
  }

  template <typename Next>
  Status BinaryLoop(NodePtr& out, Next next, auto match) {
    HEARTH_RETURN_IF_ERROR((this->*next)(out));
    while (true) {
      std::string op;
      if (!match(op)) break;
      auto n = New(NodeKind::kBinary, Off());
      n->str = op;
      n->x = std::move(out);
      HEARTH_RETURN_IF_ERROR((this->*next)(n->y));
      out = std::move(n);
    }
    return Status::Ok();
  }

  Status Or(NodePtr& out) {
    return BinaryLoop(out, &Parser::And, [&](std::string& op) {
      if (!IsIdent("or")) return false;
      op = "or"; ++p_; return true;
    });
  }
  Status And(NodePtr& out) {
    return BinaryLoop(out, &Parser::Not, [&](std::string& op) {
      if (!IsIdent("and")) return false;
      op = "and"; ++p_; return true;
    });
  }
  Status Not(NodePtr& out) {
    if (IsIdent("not") && !IsIdent("in", 1)) {
      DepthGuard g(depth_);
      if (depth_ > kMaxNesting) return Err("expression nested too deeply");
      out = New(NodeKind::kUnaryOp, Off());
      out->str = "not";
      ++p_;
      return Not(out->x);
    }
    return Compare(out);
  }
  Status Compare(NodePtr& out) {
    return BinaryLoop(out, &Parser::Additive, [&](std::string& op) {
      if (IsIdent("not") && IsIdent("in", 1)) { op = "not in"; p_ += 2; return true; }
      if (IsIdent("in")) { op = "in"; ++p_; return true; }
      if (Is(Tok::kCompare)) { op = t_[p_++].value; return true; }
      return false;
    });
  }
  Status Additive(NodePtr& out) {
    return BinaryLoop(out, &Parser::Multiplicative, [&](std::string& op) {
      if (!Is(Tok::kAdditive)) return false;
      op = t_[p_++].value; return true;
    });
  }
  Status Multiplicative(NodePtr& out) {
    return BinaryLoop(out, &Parser::Power, [&](std::string& op) {
      if (!Is(Tok::kMultiplicative)) return false;
      op = t_[p_++].value; return true;
    });
  }
  Status Power(NodePtr& out) {
    return BinaryLoop(out, &Parser::Test, [&](std::string& op) {
      if (!Is(Tok::kPower)) return false;
      op = t_[p_++].value; return true;
    });
  }
  Status Test(NodePtr& out) {
    HEARTH_RETURN_IF_ERROR(Filter(out));
    while (IsIdent("is")) {
      auto n = New(NodeKind::kTest, Off());
      ++p_;
      if (IsIdent("not")) { n->negate = true; ++p_; }
      if (!Is(Tok::kIdent)) return Err("expected test name after 'is'");
      n->str = t_[p_++].value;
      n->x = std::move(out);
      out = std::move(n);
    }
    return Status::Ok();
  }
  Status Filter(NodePtr& out) {
    HEARTH_RETURN_IF_ERROR(UnarySign(out));
    while (Is(Tok::kPipe)) {
      ++p_;
      if (!Is(Tok::kIdent)) return Err("expected filter name after '|'");
      auto n = New(NodeKind::kFilter, Off());
      auto f = New(NodeKind::kIdent, Off());
      f->str = t_[p_++].value;
      if (Is(Tok::kOpenParen)) {
        auto call = New(NodeKind::kCall, f->offset);
        call->x = std::move(f);
        HEARTH_RETURN_IF_ERROR(Args(call->args, false));
        f = std::move(call);
      }
      n->x = std::move(out);
      n->y = std::move(f);
      out = std::move(n);
    }
    return Status::Ok();
  }
  Status UnarySign(NodePtr& out) {
    if ((Is(Tok::kUnary) || Is(Tok::kAdditive)) && (t_[p_].value == "-" || t_[p_].value == "+")) {
      DepthGuard g(depth_);
      if (depth_ > kMaxNesting) return Err("expression nested too deeply");
      out = New(NodeKind::kUnaryOp, Off());
      out->str = t_[p_++].value;
      return UnarySign(out->x);
    }
    HEARTH_RETURN_IF_ERROR(Primary(out));
    return Postfix(out);
  }
  // Member access, subscripts, slices and calls after a primary.
  Status Postfix(NodePtr& out) {
    while (true) {
      if (Is(Tok::kDot)) {
        ++p_;
        if (!Is(Tok::kIdent) && !Is(Tok::kNumber)) return Err("expected attribute name after '.'");
        auto n = New(NodeKind::kMember, Off());
        const Token& tok = t_[p_++];
        if (tok.type == Tok::kNumber) {
          n->y = New(NodeKind::kInt, tok.offset);
          n->y->i = std::strtoll(tok.value.c_str(), nullptr, 10);
        } else {
          n->str = tok.value;
        }
        n->x = std::move(out);
        out = std::move(n);
      } else if (Is(Tok::kOpenBracket)) {
        auto n = New(NodeKind::kMember, Off());
        ++p_;
        HEARTH_RETURN_IF_ERROR(Subscript(n->y));
        HEARTH_RETURN_IF_ERROR(Expect(Tok::kCloseBracket, "]"));
        n->x = std::move(out);
        out = std::move(n);
      } else if (Is(Tok::kOpenParen)) {
        auto n = New(NodeKind::kCall, Off());
        HEARTH_RETURN_IF_ERROR(Args(n->args, false));
        n->x = std::move(out);
        out = std::move(n);
      } else {
        return Status::Ok();
      }
    }
  }
  Status Subscript(NodePtr& out) {
    NodePtr parts[3];
    int colons = 0;
    while (!Is(Tok::kCloseBracket)) {
      if (p_ >= t_.size()) return Err("unterminated subscript");
      if (Is(Tok::kColon)) {
        if (++colons > 2) return Err("too many ':' in slice");
        ++p_;
        continue;
      }
      HEARTH_RETURN_IF_ERROR(Expr(parts[colons]));
    }
    if (colons == 0) {
      if (!parts[0]) return Err("empty subscript");
      out = std::move(parts[0]);
      return Status::Ok();
    }
    out = New(NodeKind::kSlice, Off());
    out->x = std::move(parts[0]);
    out->y = std::move(parts[1]);
    out->z = std::move(parts[2]);
    return Status::Ok();
  }
  Status Args(std::vector<NodePtr>& out, bool params) {
    HEARTH_RETURN_IF_ERROR(Expect(Tok::kOpenParen, "("));
    bool saw_kw = false;
    while (!Is(Tok::kCloseParen)) {
      if (p_ >= t_.size()) return Err("unterminated argument list");
      NodePtr a;
      HEARTH_RETURN_IF_ERROR(Expr(a));
      if (Is(Tok::kEquals)) {
        ++p_;
        if (a->kind != NodeKind::kIdent) return Err("expected identifier before '='");
        auto kw = New(NodeKind::kKwArg, a->offset);
        kw->str = a->str;
        HEARTH_RETURN_IF_ERROR(Expr(kw->x));
        a = std::move(kw);
        saw_kw = true;
      } else if (saw_kw) {
        return Err(params ? "non-default parameter follows default parameter"
                          : "positional argument follows keyword argument");
      }
      if (params && a->kind != NodeKind::kIdent && a->kind != NodeKind::kKwArg) {
        return Err("expected parameter name");
      }
      out.push_back(std::move(a));
      if (Is(Tok::kComma)) ++p_;
    }
    ++p_;
    return Status::Ok();
  }
  Status Primary(NodePtr& out) {
    if (p_ >= t_.size()) return Err("unexpected end of template in expression");
    DepthGuard g(depth_);
    if (depth_ > kMaxNesting) return Err("expression nested too deeply");
    const Token& tok = t_[p_++];
    switch (tok.type) {
      case Tok::kNumber: {
        if (tok.value.find('.') != std::string::npos) {
          out = New(NodeKind::kFloat, tok.offset);
          out->d = std::strtod(tok.value.c_str(), nullptr);
        } else {
          out = New(NodeKind::kInt, tok.offset);
          out->i = std::strtoll(tok.value.c_str(), nullptr, 10);
        }
        return Status::Ok();
      }
      case Tok::kString: {
        out = New(NodeKind::kStr, tok.offset);
        out->str = tok.value;
        // Adjacent literals concatenate ("a" "b"), as in Python.
        while (Is(Tok::kString)) out->str += t_[p_++].value;
        return Status::Ok();
      }
      case Tok::kIdent:
        out = New(NodeKind::kIdent, tok.offset);
        out->str = tok.value;
        return Status::Ok();
      case Tok::kOpenParen: {
        HEARTH_RETURN_IF_ERROR(ExprSequence(out, false));
        return Expect(Tok::kCloseParen, ")");
      }
      case Tok::kOpenBracket: {
        out = New(NodeKind::kArrayLit, tok.offset);
        while (!Is(Tok::kCloseBracket)) {
          if (p_ >= t_.size()) return Err("unterminated list literal");
          NodePtr e;
          HEARTH_RETURN_IF_ERROR(Expr(e));
          out->args.push_back(std::move(e));
          if (Is(Tok::kComma)) ++p_;
        }
        ++p_;
        return Status::Ok();
      }
      case Tok::kOpenBrace: {
        out = New(NodeKind::kDictLit, tok.offset);
        while (!Is(Tok::kCloseBrace)) {
          if (p_ >= t_.size()) return Err("unterminated dict literal");
          NodePtr k, v;
          HEARTH_RETURN_IF_ERROR(Expr(k));
          HEARTH_RETURN_IF_ERROR(Expect(Tok::kColon, ":"));
          HEARTH_RETURN_IF_ERROR(Expr(v));
          out->args.push_back(std::move(k));
          out->args.push_back(std::move(v));
          if (Is(Tok::kComma)) ++p_;
        }
        ++p_;
        return Status::Ok();
      }
      default:
        --p_;
        return Err("unexpected token '" + tok.value + "'");
    }
  }

  std::string_view src_;
  std::vector<Token> t_;
  size_t p_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::shared_ptr<const Program>> ParseTemplate(std::string_view source) {
  auto program = std::make_shared<Program>();
  program->source = std::string(source);
  HEARTH_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(program->source));
  Parser parser(program->source, std::move(tokens));
  HEARTH_RETURN_IF_ERROR(parser.ParseAll(program->body));
  return std::shared_ptr<const Program>(std::move(program));
}

}  // namespace hearth::jinja
