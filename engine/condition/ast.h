// The syntax tree of a Falco condition. Plain, immutable data: the parser builds it, the resolver
// (engine/rules/resolver.h) builds new trees when it expands macros, lists and exceptions
// (sharing untouched subtrees), and the compiler reads it. Every node keeps the range of the text its author wrote, so diagnostics
// point into the right file even after macro expansion.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace th::cond {

// A range [begin, end) of byte offsets into one source text. `source` indexes a SourceMap
// (engine/condition/source_map.h) that maps offsets back to file:line:col.
struct SrcRange {
  uint32_t source = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
};

enum class Op : uint8_t {
  eq,           // = or ==
  ne,           // !=
  lt, le, gt, ge,
  contains, icontains, bcontains,
  startswith, bstartswith, endswith,
  glob, iglob,
  pmatch,       // list operand
  in,           // list operand
  intersects,   // list operand
  regex,
  exists,       // unary
};

std::string_view op_name(Op op);
std::optional<Op> op_from_name(std::string_view name);  // "==" and "=" both give Op::eq
bool op_is_unary(Op op);
bool op_takes_list(Op op);  // in, intersects, pmatch

// `proc.name == oneof (a, b)`: Falco's list modifiers on scalar operators.
enum class Modifier : uint8_t { none, oneof, anyof, allof };
std::string_view modifier_name(Modifier m);

struct Operand;
using OperandPtr = std::shared_ptr<const Operand>;

// A value-producing expression: the left side of a check, or the right side.
struct Operand {
  enum class Kind : uint8_t {
    field,        // proc.name, proc.aname[2], evt.arg["key"]
    transformer,  // tolower(x), toupper(x), b64(x), basename(x), len(x), val(field),
                  // join("sep", (items)), concat(...), getopt(x, "opts")[arg]
    literal,      // a bare or quoted string; numbers are literals too, typed by the compiler
    list,         // (a, "b", c): right side of in/intersects/pmatch and modifiers, or join items
  };
  Kind kind = Kind::literal;
  SrcRange range;
  std::string name;                // field or transformer name
  std::optional<std::string> arg;  // [arg] after a field (or after getopt(...))
  SrcRange arg_range;
  std::string text;                // literal: the unescaped value
  bool quoted = false;             // literal: was it quoted in the source?
  std::vector<OperandPtr> items;   // transformer arguments, or list items

  static OperandPtr make_field(std::string name, std::optional<std::string> arg, SrcRange r,
                               SrcRange arg_range = {});
  static OperandPtr make_literal(std::string text, bool quoted, SrcRange r);
  static OperandPtr make_list(std::vector<OperandPtr> items, SrcRange r);
  static OperandPtr make_transformer(std::string name, std::vector<OperandPtr> args, SrcRange r,
                                     std::optional<std::string> arg = std::nullopt,
                                     SrcRange arg_range = {});
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

// A boolean expression.
struct Expr {
  enum class Kind : uint8_t {
    and_,        // children (two or more)
    or_,         // children (two or more)
    not_,        // children[0]
    identifier,  // a bare name: a macro reference (`name`)
    unary,       // lhs op          (op == exists)
    binary,      // lhs op [modifier] rhs
  };
  Kind kind = Kind::identifier;
  SrcRange range;
  std::vector<ExprPtr> children;
  std::string name;  // identifier
  OperandPtr lhs;
  Op op = Op::eq;
  SrcRange op_range;
  Modifier modifier = Modifier::none;
  OperandPtr rhs;

  static ExprPtr make_and(std::vector<ExprPtr> children, SrcRange r);
  static ExprPtr make_or(std::vector<ExprPtr> children, SrcRange r);
  static ExprPtr make_not(ExprPtr child, SrcRange r);
  static ExprPtr make_identifier(std::string name, SrcRange r);
  static ExprPtr make_unary(OperandPtr lhs, Op op, SrcRange op_range, SrcRange r);
  static ExprPtr make_binary(OperandPtr lhs, Op op, SrcRange op_range, Modifier mod,
                             OperandPtr rhs, SrcRange r);
};

// Renders a tree back to condition text (canonical spacing, quotes where needed). Used by
// `validate --explain`, tests (round-trips) and the fuzzers.
std::string to_string(const Expr& e);
std::string to_string(const Operand& o);

// Structural equality, ignoring source ranges.
bool equal(const Expr& a, const Expr& b);
bool equal(const Operand& a, const Operand& b);

}  // namespace th::cond
