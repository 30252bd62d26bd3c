#include "engine/rules/ruleset.h"

#include "engine/enforce/compiler.h"

namespace th {
namespace {

void add_interest(Interest& to, const Interest& from) {
  to.types |= from.types;
  to.ptrace |= from.ptrace;
  to.ptrace_other = to.ptrace_other || from.ptrace_other;
  to.mem_open_read = to.mem_open_read || from.mem_open_read;
  to.mem_open_write = to.mem_open_write || from.mem_open_write;
}

}  // namespace

const CompiledRule* Ruleset::find_rule(std::string_view name) const {
  for (const auto& r : rules_)
    if (r.name == name) return &r;
  return nullptr;
}

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
    add_interest(interest_, r.interest);
    if (r.action == RuleAction::kill && r.kill) {
      enforce::link_rule(kill_program_, r.name, *r.kill);
      add_interest(kill_interest_, r.interest);
    }
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
