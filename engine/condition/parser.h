// Falco's condition grammar (libsinsp filter parser), parsed into engine/condition/ast.h.
// Parsing knows nothing of fields, macros or lists: `proc.nme = x` parses; the compiler rejects it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/condition/ast.h"

namespace th::cond {

struct ParseError {
  uint32_t offset = 0;  // byte offset into the text where the problem is
  std::string message;  // e.g. "expected ')' to close the list"
};

struct ParseResult {
  ExprPtr expr;                     // set when parsing succeeded
  std::optional<ParseError> error;  // set when it failed
  bool ok() const { return expr != nullptr; }
};

// Nesting deeper than this is rejected, as Falco does, so hostile input cannot exhaust the stack.
inline constexpr unsigned kMaxParseDepth = 100;

// `source` is stored in every node's SrcRange; offsets are relative to `text`.
ParseResult parse_condition(std::string_view text, uint32_t source = 0);

}  // namespace th::cond
