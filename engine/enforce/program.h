// The compiled form of `action: kill` rules, as the kernel evaluates it (probe/enforce.h has the
// kernel's encoding, probe/enforce_map.cpp the translation, with static_asserts that the
// numbering below is the kernel's). A rule's condition becomes a postfix program over the facts
// the kernel knows at a kill point; leaves give yes, no or unknown (Kleene logic), and unknown
// never kills.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/evt_type.h"

namespace th::enforce {

// What the kernel knows when it decides (probe/enforce.h, enum th_enforce_fact).
enum class Fact : uint8_t {
  evt_type,            // the syscall (values: EvtType)
  ptrace_request,      // as the kernel reads it
  arch_prctl_code,     // PTRACE_ARCH_PRCTL's code (the low 32 bits of data)
  failed,              // 0/1; 0 at a kill point before the call
  target_is_self,      // 0/1
  target_is_descendant,
  target_pid,          // host tgid
  caller_exe_sets,     // bit n: the caller's executable is a file of exe list n
  target_exe_sets,
  same_pidns,          // 0/1: caller and target in the same pid namespace
  caller_host_pidns,   // 0/1: the caller is in the initial pid namespace
  target_host_pidns,
  uid,                 // the caller's uid
  open_write,          // 0/1: a memory-file open for writing
  count,
};

enum class Op : uint8_t { eq, ne, lt, le, gt, ge, any_bits, constant, and_, or_, not_, rule, count };

// Tri values of `constant`, as the kernel's enum th_tri.
inline constexpr int64_t kUnknown = 0, kNo = 1, kYes = 2;

struct Insn {
  Op op = Op::constant;
  Fact fact = Fact::evt_type;
  int64_t value = 0;
  bool operator==(const Insn&) const = default;
};

// One rule's program: its postfix instructions (ending with its result on the stack; the
// linker appends the `rule` instruction) and the executable lists its leaves name by index.
struct RuleProgram {
  std::vector<Insn> insns;
  std::vector<std::vector<std::string>> exe_sets;  // absolute paths, per list
};

// Every kill rule's program, linked: exe lists shared, a `rule` instruction after each rule.
struct Program {
  std::vector<Insn> insns;
  std::vector<std::vector<std::string>> exe_sets;
  std::vector<std::string> rules;  // the rule of each `rule` instruction's value
  bool empty() const { return rules.empty(); }
};

}  // namespace th::enforce
