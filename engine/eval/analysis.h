// Static analysis of a compiled condition: which event types, ptrace requests and memory-file open
// modes could make it true. The rule index and the probe's in-kernel prefilter come from this.
//
// It evaluates the predicate on synthetic events with Kleene logic: checks on fields that depend
// only on the analysed dimensions (evt.type, the ptrace request, the open mode) are evaluated;
// every other check is "unknown". A value is excluded only when the condition is false whatever
// the unknown checks say, so the result never drops an event the rule could match.
#pragma once

#include <bitset>

#include "engine/core/interest.h"
#include "engine/eval/predicate.h"

namespace th {

struct ConditionReach {
  EvtTypeSet types;
  Interest interest;  // types, ptrace requests and open modes, for this condition alone
};

ConditionReach analyze_condition(const Predicate& p);

// A necessary condition on a plain field (one read as it is, through its accessor): a value of
// the field equals, starts with, ends with or contains `text`.
struct Pin {
  ExtractFn field;
  const FieldArg* arg;  // owned by the predicate tree
  MatcherLiterals::Kind kind;
  std::string_view text;  // owned by the predicate tree
};

// Pins a condition implies: whenever it is true, at least one of the pins holds, so an event
// that satisfies none of them cannot match. nullopt when nothing can be derived (a negation, a
// transformed field, a numeric or case-insensitive check at the top); the rule index
// (engine/eval/rule_index.h) then evaluates the condition on every event of its type.
// Fields that the other analysis dimensions decide (the ptrace request) are not pinned here.
std::optional<std::vector<Pin>> implied_pins(const Predicate& p);

// Request numbers probed for ptrace_other: any number outside the named requests and slots.
inline constexpr int64_t kUnlistedPtraceRequest = 0x7fffffff;

}  // namespace th
