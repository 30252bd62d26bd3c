// Compiles a condition syntax tree (macros and lists already resolved) into a typed predicate
// tree. Fields are looked up in the registry, operators checked against field types
// (type_check.h), constants parsed once (constants.h), regexes compiled; compiler.cpp lowers the
// checks to predicates. Every mistake is reported as a Diagnostic pointing at the text the
// author wrote; compilation goes on to find the others.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "engine/condition/ast.h"
#include "engine/condition/source_map.h"
#include "engine/core/diagnostics.h"
#include "engine/eval/predicate.h"
#include "engine/fields/field.h"

namespace th {

// Compiled subtrees shared between the rules of one ruleset: a macro used by several rules is
// one syntax tree (the resolver shares it), compiled once and evaluated once per event.
struct SharedSubtrees {
  // How many times each syntax node is reached from the rules (count_uses fills it).
  std::unordered_map<const cond::Expr*, unsigned> uses;
  std::unordered_map<const cond::Expr*, PredicatePtr> compiled;
  // Expanded size of each compiled subtree: reuse still counts toward the size bound, since
  // the analysis walks the tree as a tree.
  std::unordered_map<const cond::Expr*, std::size_t> sizes;
  uint32_t slots = 0;  // memo slots handed out

  void count_uses(const cond::Expr& e);
};

struct CompileContext {
  const FieldRegistry& fields;
  const cond::SourceMap& sources;
  Diagnostics& diags;
  std::string item_kind;  // "rule", "macro"... for diagnostics
  std::string item_name;
  // Set when a field was not found (for Falco's `skip-if-unknown-filter`).
  bool saw_unknown_field = false;
  // When set, a field Falco has and tracehound lacks (engine/fields/falco_catalogue.h) is not an
  // error: the first one is recorded in `falco_only` and compiling fails without a diagnostic,
  // so that the loader can skip the rule with one warning. Any other unknown field stays an
  // error.
  bool allow_falco_only = false;
  struct FalcoOnly {
    std::string name;
    cond::SrcRange range;
  };
  std::optional<FalcoOnly> falco_only{};
  // When set, subtrees reached more than once are compiled once and memoised per event.
  SharedSubtrees* shared = nullptr;

  SourcePos pos(const cond::SrcRange& r) const { return sources.position(r.source, r.begin); }
  // Reported against the item compiled, or, when `r` lies in a macro or list it uses, against
  // that item "used by" this one.
  void error(ErrorCode code, const cond::SrcRange& r, std::string message);
  void warning(WarningCode code, const cond::SrcRange& r, std::string message);
  void report(DiagCode code, const cond::SrcRange& r, std::string message);
};

// nullptr when there were errors (all of them are in ctx.diags).
PredicatePtr compile_condition(const cond::Expr& expr, CompileContext& ctx);

// Looks a field operand up (name and argument); reports and returns nullptr when invalid.
const FieldDef* resolve_field(const cond::Operand& field, FieldArg& arg, CompileContext& ctx);

}  // namespace th
