#include "engine/core/closest_name.h"

#include <algorithm>
#include <vector>

namespace th {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_name(std::string_view name, std::span<const std::string_view> candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, name.size() / 4) + 1;
  for (auto c : candidates) {
    std::size_t d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates) {
  std::string hint = closest_name(name, candidates);
  return hint.empty() ? "" : "; did you mean '" + hint + "'?";
}

}  // namespace th
