// Rule selection as Falco 0.38+ does it: the config's `rules:` list of `enable`/`disable` entries,
// by rule name (with `*` wildcards) or by tag, applied in order after the rules are loaded; the
// command-line flags (-D, -T, -t) and `-o rules[]...` add entries after the file's. One struct for
// the config that reads them and the loader that applies them.
#pragma once

#include <string>
#include <string_view>

#include "engine/core/diagnostics.h"

namespace th {

struct RuleSelection {
  bool enable = true;   // enable or disable
  bool by_tag = false;  // `tag:` (exact) or `rule:` (a name pattern)
  std::string pattern;
  SourcePos pos;  // where it was written: config file:line:col, or the flag
};

// Falco's wildcard match of a rule name: `*` matches any run of characters (also none), every
// other character itself.
bool wildcard_match(std::string_view pattern, std::string_view name);

// "disable rule 'Foo*'", for messages and list-rules.
std::string describe(const RuleSelection& s);

}  // namespace th
