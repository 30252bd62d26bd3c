#include "engine/rules/ruleset.h"

namespace th {

Ruleset::Ruleset(std::vector<CompiledRule> rules, uint32_t memo_slots)
    : rules_(std::move(rules)), memo_slots_(memo_slots) {
  Scratch scratch;
  for (const CompiledRule& r : rules_) {
    for (std::size_t t = 0; t < kEvtTypeCount; ++t) {
      if (!r.types.contains(static_cast<EvtType>(t))) continue;
      Event probe;
      probe.type = static_cast<EvtType>(t);
      PredicatePtr specialised = r.condition->specialize(r.condition, probe, scratch, kDimType);
      // A condition the type alone makes false would not be indexed here; a constant true
      // stays a ConstNode, which evaluates for free.
      by_type_[t].push_back({&r, std::move(specialised)});
    }
    interest_.types |= r.interest.types;
    interest_.ptrace |= r.interest.ptrace;
    interest_.ptrace_other = interest_.ptrace_other || r.interest.ptrace_other;
    interest_.mem_open_read = interest_.mem_open_read || r.interest.mem_open_read;
    interest_.mem_open_write = interest_.mem_open_write || r.interest.mem_open_write;
  }
  // PTRACE_DETACH ends an injection session (engine/fold): it must reach user space whenever
  // ptrace is watched at all, even if no rule matches it.
  for (std::size_t t = 0; t < kEvtTypeCount; ++t) {
    std::vector<PredicatePtr> conditions;
    for (const Indexed& r : by_type_[t]) conditions.push_back(r.condition);
    index_[t] = TypeRuleIndex(static_cast<EvtType>(t), conditions);
  }
  if (interest_.types.contains(EvtType::ptrace))
    interest_.ptrace.set(static_cast<std::size_t>(ptrace_request_slot(17)));
}

}  // namespace th
