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
#include "engine/core/rule_action.h"
#include "engine/enforce/program.h"
#include "engine/eval/output_format.h"
#include "engine/eval/predicate.h"
#include "engine/eval/rule_index.h"

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
  RuleAction action = RuleAction::none;
  // action: kill: the condition (and not action_unless) as the kernel evaluates it.
  std::shared_ptr<const enforce::RuleProgram> kill;
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
  // Memo slots of shared subtrees, for Scratch::begin_event when evaluating conditions directly.
  uint32_t memo_slots() const { return memo_slots_; }
  // The union of every rule's needs: what the probe must deliver.
  const Interest& interest() const { return interest_; }
  // The kill rules, linked for the kernel (empty without any), and what they can match: the
  // syscalls and requests at which the kernel evaluates them.
  const enforce::Program& kill_program() const { return kill_program_; }
  const Interest& kill_interest() const { return kill_interest_; }
  const CompiledRule* find_rule(std::string_view name) const;

  // The index below the type (engine/eval/rule_index.h): which of rules_for(t) an event
  // could match, by ptrace request and by the constants the conditions pin.
  const TypeRuleIndex& index_for(EvtType t) const { return index_[static_cast<std::size_t>(t)]; }

  // Calls on_match(rule) for every rule that matches, in definition order. Only the rules the
  // index finds for the event are evaluated; the verdicts are those of evaluating them all.
  template <class F>
  void match(const Event& e, Scratch& s, F&& on_match) const {
    s.begin_event(memo_slots_);
    const std::vector<Indexed>& rules = rules_for(e.type);
    index_for(e.type).for_candidates(e, s, [&](uint32_t id, const Predicate& condition) {
      s.reset();
      if (condition.eval(e, s)) on_match(*rules[id].rule);
    });
  }

 private:
  std::vector<CompiledRule> rules_;
  uint32_t memo_slots_ = 0;
  std::array<std::vector<Indexed>, kEvtTypeCount> by_type_;
  std::array<TypeRuleIndex, kEvtTypeCount> index_;
  Interest interest_;
  enforce::Program kill_program_;
  Interest kill_interest_;
};

}  // namespace th
