// Loading rules: the public entry point. Files and folders (their *.yaml and *.yml files, sorted
// by name) are read in order (stage 1), collected with Falco's redefinition semantics (stage 2),
// then resolved and compiled (stage 3: macros and lists expanded on the syntax tree, exceptions
// added, conditions and outputs compiled, rules indexed by event type).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/diagnostics.h"
#include "engine/core/rule_action.h"
#include "engine/core/rule_selection.h"
#include "engine/fields/field.h"
#include "engine/rules/ruleset.h"

namespace th {

struct LoadOptions {
  const FieldRegistry* fields = &FieldRegistry::builtin();
  bool fold_default = true;  // for rules that do not say `fold:`
  // Rules that need a field or event type only Falco has are skipped with TH-W-FALCO-ONLY
  // (engine/fields/falco_catalogue.h) instead of failing the load.
  bool skip_falco_only = true;
  // The config's `rules:` enable/disable entries and their command-line equivalents, applied in
  // order to the rules loaded (engine/rules/selection.h).
  std::vector<RuleSelection> selections{};
};

// How each rule came out of loading, in definition order.
enum class RuleOutcome : uint8_t {
  loaded,              // compiled (in the ruleset when enabled)
  skipped_falco_field, // needs a field only Falco has
  skipped_falco_event, // can only match event types only Falco has
  skipped_source,      // not a syscall rule
  skipped_unknown_filter,  // skip-if-unknown-filter and a field nobody knows
  failed,              // errors (reported)
};
std::string_view rule_outcome_reason(RuleOutcome o);  // "" for loaded and failed

struct RuleStatus {
  std::string name;
  SourcePos pos;
  Priority priority = Priority::warning;
  std::vector<std::string> tags;
  bool enabled = true;
  RuleOutcome outcome = RuleOutcome::failed;
  std::string missing;  // the field, event type or source a skipped rule needs
  RuleAction action = RuleAction::none;
};

struct LoadSummary {
  std::size_t loaded = 0;   // rules compiled, enabled or not
  std::size_t enabled = 0;  // of which enabled: the ruleset
  std::map<std::string, std::size_t> skipped;      // reason -> rules
  std::map<std::string, std::size_t> missing;      // needed field or event type -> rules
  std::size_t skipped_total() const;
  // "12 rules loaded (10 enabled), 3 skipped: 2 need a field only Falco has, ..."
  std::string describe() const;
};

struct LoadResult {
  std::shared_ptr<const Ruleset> ruleset;  // null when there were errors
  Diagnostics diags;
  std::vector<std::string> files;  // the files read, in order
  std::vector<RuleStatus> rules;   // every rule defined, in order
  LoadSummary summary;
};

// Expands folders into their rule files; a path that does not exist is a TH-E-FILE error.
std::vector<std::string> expand_rule_paths(const std::vector<std::string>& paths, Diagnostics& d);

LoadResult load_rules(const std::vector<std::string>& paths, const LoadOptions& opts = {});

// For tests and fuzzers: rules given as in-memory (name, content) pairs.
LoadResult load_rules_from_strings(const std::vector<std::pair<std::string, std::string>>& files,
                                   const LoadOptions& opts = {});

}  // namespace th
