// The fixed vocabulary of Falco's condition grammar (libs 0.25): transformer names, operators in
// the order Falco's lexer tries them, and list modifiers. Shared by the parser, its error
// messages and anyone who needs the same names (e.g. the compiler's messages).
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "engine/condition/ast.h"

namespace th::cond::grammar {

// Transformers written `name(args)`. `val(field)` is separate: right-hand side only, one field.
inline constexpr std::array<std::string_view, 8> kTransformers = {
    "tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"};
inline constexpr std::string_view kValTransformer = "val";

// An operator as written. Word operators must be followed by a blank.
struct OpSpec {
  std::string_view text;
  Op op;
  bool needs_blank;
};

inline constexpr std::string_view kUnaryOp = "exists";
inline constexpr std::array<OpSpec, 4> kNumOps = {{
    {"<=", Op::le, false}, {"<", Op::lt, false}, {">=", Op::ge, false}, {">", Op::gt, false}}};
inline constexpr std::array<OpSpec, 12> kStrOps = {{
    {"==", Op::eq, false}, {"=", Op::eq, false}, {"!=", Op::ne, false},
    {"glob", Op::glob, true}, {"iglob", Op::iglob, true}, {"contains", Op::contains, true},
    {"icontains", Op::icontains, true}, {"bcontains", Op::bcontains, true},
    {"startswith", Op::startswith, true}, {"bstartswith", Op::bstartswith, true},
    {"endswith", Op::endswith, true}, {"regex", Op::regex, true}}};
// No blank is needed after these: `x in(a)` and even `x inlist` (= `x in list`) parse.
inline constexpr std::array<OpSpec, 3> kListOps = {{
    {"intersects", Op::intersects, false}, {"in", Op::in, false}, {"pmatch", Op::pmatch, false}}};

// `x.y = oneof (a, b)`: allowed after the string operators (kStrOps).
inline constexpr std::array<std::pair<std::string_view, Modifier>, 3> kModifiers = {{
    {"oneof", Modifier::oneof}, {"anyof", Modifier::anyof}, {"allof", Modifier::allof}}};

constexpr bool is_transformer_name(std::string_view name) {
  for (std::string_view t : kTransformers)
    if (t == name) return true;
  return false;
}

}  // namespace th::cond::grammar
