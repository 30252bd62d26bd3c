// libFuzzer target for the condition parser. Besides "never crashes" (ASan/UBSan watch the
// rest), it checks the parser's invariants on every input:
//  - an error has a message and an offset inside the text;
//  - a tree has ranges inside the text, each node's range inside its parent's, and the source id
//    that was passed in;
//  - the tree printed by to_string() parses back to an equal tree, which prints the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/condition/parser.h"

namespace {

using th::cond::Expr;
using th::cond::Operand;
using th::cond::SrcRange;

constexpr uint32_t kSource = 5;

[[noreturn]] void violated(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s\n  input (%zu bytes): %.*s\n  %s\n", what,
               input.size(), static_cast<int>(input.size()), input.data(), detail.c_str());
  std::abort();
}

bool inside(const SrcRange& inner, const SrcRange& outer) {
  return inner.begin >= outer.begin && inner.end <= outer.end;
}

void check_ranges(const Operand& o, const SrcRange& parent, std::string_view input) {
  if (o.range.source != kSource || o.range.begin > o.range.end || !inside(o.range, parent))
    violated("operand range", input, th::cond::to_string(o));
  if (o.arg && !inside(o.arg_range, o.range)) violated("argument range", input, th::cond::to_string(o));
  for (const auto& item : o.items) check_ranges(*item, o.range, input);
}

void check_ranges(const Expr& e, const SrcRange& parent, std::string_view input) {
  if (e.range.source != kSource || e.range.begin > e.range.end || !inside(e.range, parent))
    violated("expression range", input, th::cond::to_string(e));
  for (const auto& child : e.children) check_ranges(*child, e.range, input);
  if (e.lhs) {
    if (!inside(e.op_range, e.range)) violated("operator range", input, th::cond::to_string(e));
    check_ranges(*e.lhs, e.range, input);
  }
  if (e.rhs) check_ranges(*e.rhs, e.range, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  th::cond::ParseResult first = th::cond::parse_condition(input, kSource);
  if (!first.ok()) {
    if (!first.error || first.error->message.empty() || first.error->offset > size)
      violated("error without message or with an offset outside the text", input,
               first.error ? first.error->message : "no error");
    return 0;
  }
  SrcRange whole{kSource, 0, static_cast<uint32_t>(size)};
  check_ranges(*first.expr, whole, input);

  std::string printed = th::cond::to_string(*first.expr);
  th::cond::ParseResult second = th::cond::parse_condition(printed, kSource);
  if (!second.ok())
    violated("printed tree does not parse", input,
             "printed: " + printed + "\n  error: " + second.error->message + " at " +
                 std::to_string(second.error->offset));
  if (!th::cond::equal(*first.expr, *second.expr))
    violated("printed tree parses to a different tree", input,
             "printed: " + printed + "\n  reparsed: " + th::cond::to_string(*second.expr));
  if (th::cond::to_string(*second.expr) != printed)
    violated("printing is not stable", input, "printed: " + printed);
  return 0;
}
