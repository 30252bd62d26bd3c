// Constant parsing: the literals of a condition read as values of the field they are compared
// with (numbers in decimal or 0x hex, booleans, symbolic names such as PTRACE_POKETEXT), with a
// TH-E-BAD-VALUE diagnostic naming the field when a literal does not fit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/condition/ast.h"
#include "engine/eval/compiler.h"

namespace th {

// Plain parsing, no diagnostics: decimal or 0x hex after an optional sign, within range.
std::optional<int64_t> parse_int_constant(std::string_view s);
std::optional<uint64_t> parse_uint_constant(std::string_view s);

// Literals as values of the field `lhs` names (for messages); report and return nullopt when
// they do not fit.
class ConstantParser {
 public:
  explicit ConstantParser(CompileContext& ctx) : ctx_(ctx) {}

  std::optional<bool> boolean(const cond::Operand& o, const std::string& lhs);
  // `symbols` is the field whose names apply (ptrace.request), or null.
  std::optional<int64_t> int64(const cond::Operand& o, const std::string& lhs,
                               const FieldDef* symbols);
  std::optional<uint64_t> uint64(const cond::Operand& o, const std::string& lhs);
  // False (reported) when the literal holds a NUL byte, which no field value can.
  bool no_nul(const cond::Operand& o);

 private:
  CompileContext& ctx_;
};

}  // namespace th
