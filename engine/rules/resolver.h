// Stage 3a of rule loading: conditions parsed, then macros and lists resolved on the syntax tree
// (never by rewriting text), and rule exceptions turned into `and not (...)` subtrees. Expanded
// nodes keep the source ranges of the macro or list item their author wrote.
#pragma once

#include <map>
#include <set>
#include <string>

#include "engine/condition/ast.h"
#include "engine/condition/source_map.h"
#include "engine/core/diagnostics.h"
#include "engine/rules/collector.h"

namespace th::rules {

class Resolver {
 public:
  Resolver(const Collected& c, cond::SourceMap& sources, Diagnostics& diags);

  // The rule's condition with macros and lists expanded and its exceptions appended;
  // nullptr when something could not be resolved (reported).
  cond::ExprPtr rule_condition(const CollectedRule& r);
  // The rule's action_unless with macros and lists expanded; nullptr when it has none or it
  // could not be resolved (reported: `failed` is set).
  cond::ExprPtr action_unless(const CollectedRule& r, bool& failed);

  // Warnings for macros and lists no rule uses. Call after every rule_condition().
  void report_unused();

  // Parses a text registered in the source map; nullptr and a TH-E-PARSE error on failure.
  cond::ExprPtr parse(const Text& t, const std::string& kind, const std::string& name);

 private:
  cond::ExprPtr resolve(const cond::ExprPtr& e, const std::string& kind, const std::string& name);
  cond::OperandPtr resolve_operand(const cond::OperandPtr& o, bool expand_literal);
  cond::ExprPtr macro(const std::string& name, const cond::SrcRange& use, const std::string& kind,
                      const std::string& item);
  const std::vector<cond::OperandPtr>* list_items(const std::string& name);
  cond::ExprPtr exceptions(const CollectedRule& r);
  bool single_field_exception(const ExceptionItem& ex, const std::string& rule,
                              std::vector<cond::ExprPtr>& alternatives);
  bool multi_field_exception(const ExceptionItem& ex, const std::string& rule,
                             std::vector<cond::ExprPtr>& alternatives);
  cond::ExprPtr exception_check(const Text& field, const std::string& comp, const SourcePos& pos,
                                const ExceptionValue& value, const std::string& ex,
                                const std::string& rule);
  cond::OperandPtr exception_value(const ExceptionValue& v, const std::string& rule);
  cond::OperandPtr literal(const Text& t, const cond::SourceMap::Origin& origin);
  // Errors about a macro or list name the rule being resolved as their user.
  void error(ErrorCode code, const SourcePos& pos, std::string message, const std::string& kind,
             const std::string& name);

  const Collected& c_;
  cond::SourceMap& sources_;
  Diagnostics& diags_;
  std::map<std::string, cond::ExprPtr> macro_cache_;
  std::set<std::string> macro_failed_;
  std::vector<std::string> macro_stack_;
  std::map<std::string, std::vector<cond::OperandPtr>> list_cache_;
  std::set<std::string> list_stack_;
  std::set<std::string> used_macros_, used_lists_;
  std::string rule_;  // the rule whose condition is being resolved
};

}  // namespace th::rules
