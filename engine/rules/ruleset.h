// The compiled ruleset: every enabled rule with its predicate tree, output format and the event
// types it can match, indexed so that an event is only evaluated against rules that could match
// it. Immutable once built; live mode swaps whole rulesets on reload.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/interest.h"
#include "engine/core/priority.h"
#include "engine/eval/output_format.h"
#include "engine/eval/predicate.h"

namespace th {

struct CompiledRule {
  std::string name;
  std::string desc;
  Priority priority = Priority::warning;
  std::vector<std::string> tags;
  std::string source = "syscall";
  bool fold = true;  // fold repeated matches into one session alert (see engine/fold)
  SourcePos pos;
  PredicatePtr condition;
  OutputFormat output;
  EvtTypeSet types;    // event types the condition can match
  Interest interest;   // what this rule alone needs from the probe
};

class Ruleset {
 public:
  // `memo_slots`: how many shared subtrees the conditions memoise per event (MemoNode).
  explicit Ruleset(std::vector<CompiledRule> rules, uint32_t memo_slots = 0);

  const std::vector<CompiledRule>& rules() const { return rules_; }
  // The rules that can match events of type t, each with its condition specialised for t
  // (checks that the type alone decides, such as `evt.type = ptrace`, are folded away).
  struct Indexed {
    const CompiledRule* rule;
    PredicatePtr condition;
  };
  const std::vector<Indexed>& rules_for(EvtType t) const {
    return by_type_[static_cast<std::size_t>(t)];
  }
  // The union of every rule's needs: what the probe must deliver.
  const Interest& interest() const { return interest_; }

  // Calls on_match(rule) for every rule that matches, in definition order.
  template <class F>
  void match(const Event& e, Scratch& s, F&& on_match) const {
    s.begin_event(memo_slots_);
    for (const Indexed& r : rules_for(e.type)) {
      s.reset();
      if (r.condition->eval(e, s)) on_match(*r.rule);
    }
  }

 private:
  std::vector<CompiledRule> rules_;
  uint32_t memo_slots_ = 0;
  std::array<std::vector<Indexed>, kEvtTypeCount> by_type_;
  Interest interest_;
};

}  // namespace th
