// Applies the config's rule selections (engine/core/rule_selection.h) to the collected rules, in
// order, before they are compiled: a rule a selection enables is compiled and used even when its
// file says `enabled: false`. A selection that matches no rule is a TH-W-SELECTION-UNMATCHED
// warning (a misspelt name would otherwise do nothing, silently).
#pragma once

#include <span>

#include "engine/core/diagnostics.h"
#include "engine/core/rule_selection.h"
#include "engine/rules/collector.h"

namespace th::rules {

void apply_selections(std::span<const RuleSelection> selections, Collected& rules,
                      Diagnostics& diags);

}  // namespace th::rules
