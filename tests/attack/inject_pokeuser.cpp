// PTRACE_ATTACH, wait, PEEKUSER r15 from the tracee's USER area, POKEUSER the same value back,
// DETACH.
//   inject_pokeuser PID [--as-gdb]
#include <sys/user.h>

#include <cstddef>

#include "ptrace_util.h"

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, true, "PID [--as-gdb]");
  const std::size_t offset = offsetof(struct user, regs.r15);
  attack::checked_ptrace(PTRACE_ATTACH, args.pid, nullptr, nullptr, "PTRACE_ATTACH");
  attack::wait_stopped(args.pid);
  errno = 0;
  long value = ptrace(PTRACE_PEEKUSER, args.pid, reinterpret_cast<void*>(offset), nullptr);
  if (value == -1 && errno) attack::die("PTRACE_PEEKUSER");
  attack::checked_ptrace(PTRACE_POKEUSER, args.pid, reinterpret_cast<void*>(offset),
                         reinterpret_cast<void*>(value), "PTRACE_POKEUSER");
  attack::checked_ptrace(PTRACE_DETACH, args.pid, nullptr, nullptr, "PTRACE_DETACH");
  attack::Report("inject_pokeuser")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", args.pid)
      .add_strings("requests", {"PTRACE_ATTACH", "PTRACE_PEEKUSER", "PTRACE_POKEUSER", "PTRACE_DETACH"})
      .add_number("offset", static_cast<long long>(offset))
      .print();
  return 0;
}
