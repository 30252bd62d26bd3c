// "Did you mean" suggestions for unknown names (fields, keys, rules, macros, lists).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace th {

// Levenshtein distance (insertions, deletions, substitutions) between two byte strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` by edit distance; empty when none is close enough to be a
// likely typo (at most max(2, len/4) edits).
std::string closest_name(std::string_view name, std::span<const std::string_view> candidates);

// "; did you mean 'x'?" for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace th
