#include "engine/core/rule_selection.h"

namespace th {

bool wildcard_match(std::string_view pattern, std::string_view name) {
  // Greedy with backtracking to the last star: linear in practice, quadratic at worst.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string describe(const RuleSelection& s) {
  return std::string(s.enable ? "enable" : "disable") + (s.by_tag ? " tag '" : " rule '") +
         s.pattern + "'";
}

}  // namespace th
