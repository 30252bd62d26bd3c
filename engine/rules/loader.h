// Loading rules: the public entry point. Files and folders (their *.yaml and *.yml files, sorted
// by name) are read in order (stage 1), collected with Falco's redefinition semantics (stage 2),
// then resolved and compiled (stage 3: macros and lists expanded on the syntax tree, exceptions
// added, conditions and outputs compiled, rules indexed by event type).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/diagnostics.h"
#include "engine/fields/field.h"
#include "engine/rules/ruleset.h"

namespace th {

struct LoadOptions {
  const FieldRegistry* fields = &FieldRegistry::builtin();
  bool fold_default = true;  // for rules that do not say `fold:`
};

struct LoadResult {
  std::shared_ptr<const Ruleset> ruleset;  // null when there were errors
  Diagnostics diags;
  std::vector<std::string> files;  // the files read, in order
};

// Expands folders into their rule files; a path that does not exist is a TH-E-FILE error.
std::vector<std::string> expand_rule_paths(const std::vector<std::string>& paths, Diagnostics& d);

LoadResult load_rules(const std::vector<std::string>& paths, const LoadOptions& opts = {});

// For tests and fuzzers: rules given as in-memory (name, content) pairs.
LoadResult load_rules_from_strings(const std::vector<std::pair<std::string, std::string>>& files,
                                   const LoadOptions& opts = {});

}  // namespace th
