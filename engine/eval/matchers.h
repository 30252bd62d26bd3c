// Operators with their right-hand sides, one class per (type family, operator). Constants are
// parsed and prepared once, at compile time: regexes compiled, `in` lists hashed, case folded.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/condition/ast.h"
#include "engine/eval/predicate.h"

namespace th {

// Hashing that lets a std::unordered_set<std::string> be probed with a string_view.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// String operators against one constant.
MatcherPtr make_string_matcher(cond::Op op, std::string constant);
// in / intersects against a set of strings.
MatcherPtr make_string_set_matcher(std::vector<std::string> items);
// pmatch: path-prefix match against a set of paths.
MatcherPtr make_pmatch_matcher(std::vector<std::string> prefixes);
// regex (RE2, POSIX syntax, anchored at both ends as Falco does); the caller checked ok().
MatcherPtr make_regex_matcher(std::unique_ptr<RE2> re);
// Numeric comparisons (int64 and uint64 semantics follow the field type).
MatcherPtr make_int_matcher(cond::Op op, int64_t constant);
MatcherPtr make_uint_matcher(cond::Op op, uint64_t constant);
MatcherPtr make_int_set_matcher(std::vector<int64_t> items);
MatcherPtr make_uint_set_matcher(std::vector<uint64_t> items);
MatcherPtr make_bool_matcher(cond::Op op, bool constant);
// oneof / anyof / allof: counts the items whose matcher accepts the value.
MatcherPtr make_modifier_matcher(cond::Modifier mod, std::vector<MatcherPtr> items);
// Field-to-field: `lhs op val(other.field)` or `lhs op transformer(other.field)`; true when the
// comparison holds for any value of the right side.
MatcherPtr make_field_matcher(cond::Op op, FieldType type, ExtractorPtr rhs);

// The comparison of two values of the same type, for field-to-field checks.
bool compare_values(cond::Op op, FieldType type, const Value& a, const Value& b, Scratch& s);

// Glob matching as Falco does it (fnmatch(3) semantics; `*` crosses `/`).
bool glob_match(std::string_view pattern, std::string_view s, bool case_insensitive,
                Scratch& scratch);

}  // namespace th
