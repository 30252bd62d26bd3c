// Stage 2 of rule loading: the items of every file, in load order, folded into one set of lists,
// macros and rules with Falco's semantics: a later definition replaces an earlier one, `append`
// and `override: append` extend it, `override: replace` swaps single keys, a bare `enabled:`
// toggles an existing rule. Appending to or overriding an item that does not exist is an error.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/diagnostics.h"
#include "engine/core/priority.h"
#include "engine/core/rule_action.h"
#include "engine/rules/rule_items.h"

namespace th::rules {

struct CollectedList {
  std::string name;
  SourcePos pos;
  std::vector<Text> items;
};

struct CollectedMacro {
  std::string name;
  SourcePos pos;
  Text condition;
};

struct CollectedRule {
  std::string name;
  SourcePos pos;
  Text condition;
  Text output;
  std::string desc;
  Priority priority = Priority::warning;
  std::vector<std::string> tags;
  bool enabled = true;
  std::vector<ExceptionItem> exceptions;
  std::string source = "syscall";
  bool warn_evttypes = true;
  bool skip_if_unknown_filter = false;
  std::optional<bool> fold;
  RuleAction action = RuleAction::none;
  SourcePos action_pos;
  std::optional<Text> action_unless;
};

struct Collected {
  std::vector<CollectedList> lists;
  std::vector<CollectedMacro> macros;
  std::vector<CollectedRule> rules;  // in definition order
  std::map<std::string, std::size_t> list_index, macro_index, rule_index;
};

// The Falco rule-language level tracehound implements; `required_engine_version` above it fails.
inline constexpr int kEngineVersionMajor = 0;
inline constexpr int kEngineVersionMinor = 57;
inline constexpr int kEngineVersionPatch = 0;

class Collector {
 public:
  explicit Collector(Diagnostics& diags) : diags_(diags) {}
  void add(const RulesFile& file);
  Collected take() { return std::move(out_); }

 private:
  void list(const ListItem& l);
  void macro(const MacroItem& m);
  void rule(const RuleItem& r);
  void engine_version(const EngineVersionItem& v);
  void define_rule(const RuleItem& r);
  void update_rule(const RuleItem& r, CollectedRule& existing);
  void set_action(const RuleItem& r, CollectedRule& c);

  Diagnostics& diags_;
  Collected out_;
};

// Joins two pieces of text with a space, keeping where each piece came from (Falco appends
// conditions and outputs as text).
Text join_text(const Text& a, const Text& b);

}  // namespace th::rules
