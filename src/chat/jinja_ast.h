// Tokens and syntax tree of the Jinja subset we interpret (jinja_lexer.cc, jinja_parser.cc).
// One generic node type keeps the parser and interpreter short; fields are documented per kind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::jinja {

enum class Tok : uint8_t {
  kText, kComment, kOpenStmt, kCloseStmt, kOpenExpr, kCloseExpr,
  kOpenParen, kCloseParen, kOpenBrace, kCloseBrace, kOpenBracket, kCloseBracket,
  kComma, kDot, kColon, kPipe, kEquals,
  kCompare, kAdditive, kMultiplicative, kPower, kUnary,
  kString, kNumber, kIdent,
};

struct Token {
  Tok type;
  std::string value;
  uint32_t offset;  // byte offset in the original (not preprocessed) source
};

// Lexes `source` with lstrip_blocks + trim_blocks, as @huggingface/jinja's Template does.
Result<std::vector<Token>> Tokenize(std::string_view source);

enum class NodeKind : uint8_t {
  // statements
  kText,        // str: literal text
  kOutput,      // x: expression printed
  kIf,          // x: test; body; alt (else / elif chain)
  kFor,         // x: loop var (Ident/Tuple); y: iterable; z: inline `if` filter; body; alt (else)
  kSet,         // x: target (Ident/Tuple/Member); y: value, or null with body (block set)
  kMacro,       // str: name; args: params (Ident or KwArg with default); body
  kCallBlock,   // x: Call expression; args: caller params; body
  kFilterBlock, // x: filter (Ident or Call); body
  kBreak,
  kContinue,
  // expressions
  kInt,         // i
  kFloat,       // d
  kStr,         // str
  kIdent,       // str
  kArrayLit,    // args
  kTupleLit,    // args
  kDictLit,     // args: key, value, key, value...
  kMember,      // x: object; y: property expr (computed) or null with str (dot name)
  kSlice,       // x, y, z: start, stop, step (each may be null)
  kCall,        // x: callee; args (KwArg nodes for keywords)
  kKwArg,       // str: name; x: value
  kUnaryOp,     // str: op; x
  kBinary,      // str: op; x, y
  kFilter,      // x: operand; y: filter (Ident or Call)
  kTest,        // x: operand; str: test name; negate
  kTernary,     // x: condition; y: if true; z: if false
  kSelect,      // x: value; y: condition (`a if c` without else)
};

struct Node {
  NodeKind kind;
  uint32_t offset = 0;
  std::string str;
  int64_t i = 0;
  double d = 0;
  bool negate = false;
  std::unique_ptr<Node> x, y, z;
  std::vector<std::unique_ptr<Node>> args, body, alt;
};
using NodePtr = std::unique_ptr<Node>;

struct Program {
  std::string source;  // kept for line/column of errors
  std::vector<NodePtr> body;
};

// Parses a whole template. Errors carry line:column.
Result<std::shared_ptr<const Program>> ParseTemplate(std::string_view source);

// "line L, column C" for a byte offset of `source`.
std::string DescribePosition(std::string_view source, uint32_t offset);

}  // namespace hearth::jinja
