// The wording of the condition parser's errors. The parser reports the first problem with the
// byte offset of the offending token; these functions say what was found and, for the common
// slips (a blank before '(', a macro name compared like a field, 'ONEOF', `a not b`...), what
// the author probably meant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/condition/ast.h"
#include "engine/condition/grammar.h"

namespace th::cond {

// What the last consumed token was.
enum class TokenKind : unsigned char {
  none,
  identifier,  // a macro name where a check starts
  bare,        // a bare string value or a list name
  other,
};

// What the parser knows when it reports a problem.
struct ErrorContext {
  std::string_view text;
  std::size_t pos = 0;  // where the unexpected token starts
  std::size_t last_begin = 0;
  std::size_t last_end = 0;
  TokenKind last_kind = TokenKind::none;
  const grammar::OpSpec* last_op = nullptr;  // the operator of the last check, if any
  std::size_t last_op_begin = 0;
  bool last_op_glued = false;  // a list operator directly followed by a name (`inlist`)
  std::size_t or_paren_end = std::string_view::npos;  // end of the last `or(...)` operand
};

// A complete expression is followed by something else than `expected`.
std::string unexpected_after_expression(const ErrorContext& ctx, std::string_view expected);
// A check's left side (`left`) is not followed by an operator.
std::string missing_operator_message(const ErrorContext& ctx, const Operand& left);
// " (a field argument must follow ...)" when a blank separates a field from its '['.
std::string blank_before_bracket_hint(const ErrorContext& ctx);

// The token at `offset` for "found ..." messages: "the end of the condition", "')'",
// "'proc.name'", "the quoted string \"abc\"".
std::string describe_token_at(std::string_view text, std::size_t offset);
// `s` made printable (control and non-ASCII bytes as \xHH) and cut to a readable length.
std::string show_text(std::string_view s, std::size_t max_len = 40);
bool ascii_iequal(std::string_view a, std::string_view b);

}  // namespace th::cond
