#include "engine/rules/selection.h"

#include <algorithm>

namespace th::rules {

void apply_selections(std::span<const RuleSelection> selections, Collected& rules,
                      Diagnostics& diags) {
  for (const RuleSelection& s : selections) {
    std::size_t matched = 0;
    for (CollectedRule& r : rules.rules) {
      bool hit = s.by_tag ? std::find(r.tags.begin(), r.tags.end(), s.pattern) != r.tags.end()
                          : wildcard_match(s.pattern, r.name);
      if (!hit) continue;
      r.enabled = s.enable;
      ++matched;
    }
    if (matched == 0)
      diags.warning("TH-W-SELECTION-UNMATCHED", s.pos,
                    describe(s) + " matches no rule of the files loaded", "config");
  }
}

}  // namespace th::rules
