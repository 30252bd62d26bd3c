// The fixed vocabulary of Falco's condition grammar (libs 0.25): transformer names, operators in
// the order Falco's lexer tries them, and list modifiers. Shared by the parser, its error
// messages and anyone who needs the same names (e.g. the compiler's messages).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

#include "engine/condition/ast.h"

namespace th::cond::grammar {

// Transformers written `name(args)`. `val(field)` is separate: right-hand side only, one field.
inline constexpr std::array<std::string_view, 8> kTransformers = {
    "tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"};
inline constexpr std::string_view kValTransformer = "val";

// The operators: one table, read by the parser (which tries each class's rows in this order, so
// "<=" before "<" and "==" before "="), by op_name/op_from_name and by error messages.
enum class OpClass : uint8_t {
  unary,  // `x exists`
  num,    // numeric comparisons
  str,    // string operators (which take list modifiers)
  list,   // operators whose right side is a list
};

// An operator as written. Word operators must be followed by a blank; the list operators need
// none: `x in(a)` and even `x inlist` (= `x in list`) parse. An alias is a second spelling.
struct OpSpec {
  std::string_view text;
  Op op;
  OpClass cls;
  bool needs_blank;
  bool alias = false;
};

inline constexpr std::array kOperators = {
    OpSpec{"exists", Op::exists, OpClass::unary, false},
    OpSpec{"<=", Op::le, OpClass::num, false},
    OpSpec{"<", Op::lt, OpClass::num, false},
    OpSpec{">=", Op::ge, OpClass::num, false},
    OpSpec{">", Op::gt, OpClass::num, false},
    OpSpec{"==", Op::eq, OpClass::str, false, true},
    OpSpec{"=", Op::eq, OpClass::str, false},
    OpSpec{"!=", Op::ne, OpClass::str, false},
    OpSpec{"glob", Op::glob, OpClass::str, true},
    OpSpec{"iglob", Op::iglob, OpClass::str, true},
    OpSpec{"contains", Op::contains, OpClass::str, true},
    OpSpec{"icontains", Op::icontains, OpClass::str, true},
    OpSpec{"bcontains", Op::bcontains, OpClass::str, true},
    OpSpec{"startswith", Op::startswith, OpClass::str, true},
    OpSpec{"bstartswith", Op::bstartswith, OpClass::str, true},
    OpSpec{"endswith", Op::endswith, OpClass::str, true},
    OpSpec{"regex", Op::regex, OpClass::str, true},
    OpSpec{"intersects", Op::intersects, OpClass::list, false},
    OpSpec{"in", Op::in, OpClass::list, false},
    OpSpec{"pmatch", Op::pmatch, OpClass::list, false},
};

namespace detail {
constexpr std::size_t count_ops(OpClass c) {
  std::size_t n = 0;
  for (const OpSpec& o : kOperators) n += o.cls == c ? 1 : 0;
  return n;
}
template <OpClass C>
constexpr auto ops_of() {
  std::array<OpSpec, count_ops(C)> out{};
  std::size_t n = 0;
  for (const OpSpec& o : kOperators)
    if (o.cls == C) out[n++] = o;
  return out;
}
// Every Op has exactly one canonical spelling, and all spellings of an Op share its class.
constexpr bool every_op_spelled_once() {
  for (std::size_t v = 0; v <= static_cast<std::size_t>(Op::exists); ++v) {
    int canonical = 0;
    for (const OpSpec& o : kOperators) {
      if (static_cast<std::size_t>(o.op) != v) continue;
      canonical += o.alias ? 0 : 1;
      for (const OpSpec& p : kOperators)
        if (p.op == o.op && p.cls != o.cls) return false;
    }
    if (canonical != 1) return false;
  }
  return true;
}
}  // namespace detail

static_assert(detail::every_op_spelled_once(), "each Op needs one row without alias in kOperators");

inline constexpr auto kUnaryOps = detail::ops_of<OpClass::unary>();
inline constexpr auto kNumOps = detail::ops_of<OpClass::num>();
inline constexpr auto kStrOps = detail::ops_of<OpClass::str>();
inline constexpr auto kListOps = detail::ops_of<OpClass::list>();

constexpr const OpSpec& op_spec(Op op) {
  for (const OpSpec& o : kOperators)
    if (o.op == op && !o.alias) return o;
  return kOperators[0];  // unreachable: every_op_spelled_once
}

// `x.y = oneof (a, b)`: allowed after the string operators (kStrOps).
inline constexpr std::array<std::pair<std::string_view, Modifier>, 3> kModifiers = {{
    {"oneof", Modifier::oneof}, {"anyof", Modifier::anyof}, {"allof", Modifier::allof}}};

constexpr bool is_transformer_name(std::string_view name) {
  for (std::string_view t : kTransformers)
    if (t == name) return true;
  return false;
}

}  // namespace th::cond::grammar
