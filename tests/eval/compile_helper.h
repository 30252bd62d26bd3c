// Compiles one condition string the way the rule loader does (parse, then compile against the
// builtin fields), keeping the diagnostics for assertions.
#pragma once

#include <string>

#include "engine/condition/parser.h"
#include "engine/eval/compiler.h"

namespace th::testing {

struct Compiled {
  cond::SourceMap sources;
  Diagnostics diags;
  PredicatePtr pred;
  bool parsed = false;
};

inline Compiled compile(const std::string& text, const FieldRegistry& fields = FieldRegistry::builtin()) {
  Compiled c;
  uint32_t id = c.sources.add_simple("cond", text, 1, 1);
  auto r = cond::parse_condition(text, id);
  c.parsed = r.ok();
  if (!r.ok()) return c;
  CompileContext ctx{fields, c.sources, c.diags, "rule", "test"};
  c.pred = compile_condition(*r.expr, ctx);
  return c;
}

}  // namespace th::testing
