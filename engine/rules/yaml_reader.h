// Stage 1 of rule loading: a rules file's YAML into plain structs (rule_items.h), checking shape
// only: item kinds, known keys, value types, override declarations. Positions come along.
#pragma once

#include <string>

#include "engine/core/diagnostics.h"
#include "engine/rules/rule_items.h"

namespace th::rules {

// Reads `path` (content given, so callers and fuzzers need no file). Problems go to `diags`;
// the items that could be read are returned even when some could not.
RulesFile read_rules_yaml(const std::string& path, const std::string& content, Diagnostics& diags);

// Reads the file from disk; a file that cannot be read is a TH-E-FILE error.
RulesFile read_rules_file(const std::string& path, Diagnostics& diags);

}  // namespace th::rules
