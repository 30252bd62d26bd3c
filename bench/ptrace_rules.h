// The generated ptrace-style rule sets of the rule-cost benchmarks (bench/RESULTS.md, "Rule cost
// with the ruleset's size"), after issue 14: N rules over proc.name, proc.exepath and proc.pname
// with =, in, startswith, contains and endswith, each also pinning `evt.arg.request contains
// PTRACE_X` for one of 21 requests that strace-like workloads do not make, plus one
// request-agnostic rule (`evt.type = ptrace and proc.name = X`) so that every request reaches
// user space. No rule matches the workload. `bench/gen_ptrace_rules N` prints a set as YAML.
#pragma once

#include <array>
#include <sstream>
#include <string>

namespace th::bench {

// Requests strace, gdb's `run` and `ls`-like tracees do not make (W1 makes SEIZE, INTERRUPT,
// LISTEN, SETOPTIONS, SYSCALL, GET_SYSCALL_INFO, GETEVENTMSG, GETREGSET and DETACH).
inline constexpr std::array<const char*, 21> kOtherRequests = {
    "PTRACE_TRACEME",    "PTRACE_PEEKTEXT",   "PTRACE_PEEKUSR",    "PTRACE_POKETEXT",
    "PTRACE_POKEDATA",   "PTRACE_POKEUSR",    "PTRACE_KILL",       "PTRACE_SINGLESTEP",
    "PTRACE_SETREGS",    "PTRACE_GETFPREGS",  "PTRACE_SETFPREGS",  "PTRACE_ATTACH",
    "PTRACE_GETFPXREGS", "PTRACE_SETFPXREGS", "PTRACE_SYSEMU",     "PTRACE_SINGLEBLOCK",
    "PTRACE_SETREGSET",  "PTRACE_SETSIGINFO", "PTRACE_SETSIGMASK", "PTRACE_ARCH_PRCTL",
    "PTRACE_SECCOMP_GET_FILTER",
};

// One process-field check that the workload never satisfies: field i % 3, operator (i / 3) % 5.
inline std::string field_check(int i) {
  static const char* kFields[] = {"proc.name", "proc.exepath", "proc.pname"};
  const std::string f = kFields[i % 3];
  const std::string n = std::to_string(i);
  const bool path = i % 3 == 1;
  switch ((i / 3) % 5) {
    case 0: return f + " = " + (path ? "/opt/bench" + n + "/bin/tool" : "tool" + n);
    case 1:
      return f + " in (" + (path ? "/opt/bench" + n + "/a, /usr/libexec/b" + n : "t" + n + ", u" + n) +
             ")";
    case 2: return f + " startswith " + (path ? "/opt/bench" + n + "/" : "tl" + n + "-");
    case 3: return f + " contains " + (path ? "/bench" + n + "/" : "x" + n + "y");
    default: return f + " endswith " + (path ? "/tool" + n : "-t" + n);
  }
}

// `n` rules: one request-agnostic, the others pinning a request and a process field.
inline std::string ptrace_rules(int n) {
  std::ostringstream y;
  for (int i = 0; i < n; ++i) {
    y << "- rule: ptrace bench " << i << "\n  desc: generated (bench/ptrace_rules.h)\n"
      << "  priority: WARNING\n  output: \"r" << i << " %proc.name %evt.arg.request %target.pid\"\n"
      << "  condition: evt.type = ptrace and ";
    if (i == 0) y << "proc.name = bench-agnostic";
    else y << "evt.arg.request contains " << kOtherRequests[(i - 1) % kOtherRequests.size()]
           << " and " << field_check(i);
    y << "\n";
  }
  return y.str();
}

}  // namespace th::bench
