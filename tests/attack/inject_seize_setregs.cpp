// PTRACE_SEIZE, PTRACE_INTERRUPT, wait for the stop, GETREGS, SETREGS with the same registers,
// DETACH: the register write of a hijack, leaving the victim as it was.
//   inject_seize_setregs PID [--as-gdb]
#include <sys/user.h>

#include "ptrace_util.h"

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, true, "PID [--as-gdb]");
  attack::checked_ptrace(PTRACE_SEIZE, args.pid, nullptr, nullptr, "PTRACE_SEIZE");
  attack::checked_ptrace(PTRACE_INTERRUPT, args.pid, nullptr, nullptr, "PTRACE_INTERRUPT");
  attack::wait_stopped(args.pid);
  user_regs_struct regs{};
  attack::checked_ptrace(PTRACE_GETREGS, args.pid, nullptr, &regs, "PTRACE_GETREGS");
  attack::checked_ptrace(PTRACE_SETREGS, args.pid, nullptr, &regs, "PTRACE_SETREGS");
  attack::checked_ptrace(PTRACE_DETACH, args.pid, nullptr, nullptr, "PTRACE_DETACH");
  attack::Report("inject_seize_setregs")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", args.pid)
      .add_strings("requests", {"PTRACE_SEIZE", "PTRACE_INTERRUPT", "PTRACE_GETREGS",
                                "PTRACE_SETREGS", "PTRACE_DETACH"})
      .print();
  return 0;
}
