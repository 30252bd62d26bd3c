// The rule index below the event type. For the rules of one event type it finds, per event, the
// few that could match it, so that the cost of an event grows with the rules that could match,
// not with the ruleset:
//  - ptrace events first by request: one variant per request slot (engine/core/interest.h)
//    holding the rules the request allows, each condition specialised for that request (request
//    checks folded away), plus one for requests outside the slots;
//  - then by the constants the conditions pin on plain fields (implied_pins, analysis.h): one
//    lookup per field and value gives the rules whose pins the event satisfies.
// Rules without pins are candidates for every event of their variant. Candidates come out in
// definition order, and since a pin is a necessary condition, evaluating them gives exactly the
// verdicts of evaluating every rule (tests/rules/rule_index_test.cpp checks it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/eval/analysis.h"
#include "engine/eval/predicate.h"

namespace th {

class TypeRuleIndex {
 public:
  TypeRuleIndex();
  // `conditions`: the rules that can match type t, in definition order, each specialised for t.
  TypeRuleIndex(EvtType t, const std::vector<PredicatePtr>& conditions);
  TypeRuleIndex(TypeRuleIndex&&) noexcept;
  TypeRuleIndex& operator=(TypeRuleIndex&&) noexcept;
  ~TypeRuleIndex();

  // Calls f(id, condition) for each rule that could match `e`, ids (definition order) rising.
  // Uses the scratch's buffers; f may use the scratch too.
  template <class F>
  void for_candidates(const Event& e, Scratch& s, F&& f) const {
    if (variants_.empty()) return;
    const Variant& v = variant_for(e);
    const Group& g = *v.group;
    for (uint32_t at : g.fields.empty() ? g.always : candidates(g, e, s))
      f(g.members[at], *v.conditions[at]);
  }

  // For statistics and tests: the fields looked up, and the rules run on every event like `e`.
  std::size_t indexed_fields(const Event& e) const;
  std::size_t unpinned(const Event& e) const;

 private:
  class FieldLookup;
  // The variants with the same members share one group: its lookups hold only their pins.
  struct Group {
    std::vector<uint32_t> members;  // rule ids, rising
    std::vector<uint32_t> always;   // positions in `members` of the rules without pins
    std::vector<std::unique_ptr<FieldLookup>> fields;
  };
  struct Variant {
    const Group* group = nullptr;
    std::vector<const Predicate*> conditions;  // by position in the group's members
  };

  void add_variant(const std::vector<PredicatePtr>& by_id);  // null: not a member
  const Variant& variant_for(const Event& e) const;
  // Positions in g.members, rising.
  const std::vector<uint32_t>& candidates(const Group& g, const Event& e, Scratch& s) const;

  bool by_request_ = false;  // ptrace: one variant per request slot, then one for the others
  std::vector<Variant> variants_;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<std::optional<std::vector<Pin>>> pins_;     // by id
  std::vector<PredicatePtr> owned_;                           // what the variants point to
};

}  // namespace th
