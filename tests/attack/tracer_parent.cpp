// The benign case: a process that traces its own child (as debuggers and test harnesses do).
// Forks a child that sleeps, PTRACE_ATTACHes it, PEEKDATA/POKEDATA a word of its data (same
// value back), DETACHes, then ends the child.
//   tracer_parent [--as-gdb]
#include <signal.h>

#include "ptrace_util.h"

namespace {
long g_word = 0x7472616365;  // a word in the data segment, at the same address in the child
}

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false, "[--as-gdb]");
  pid_t child = fork();
  if (child < 0) attack::die("fork");
  if (child == 0) {
    for (;;) pause();
  }
  auto* addr = reinterpret_cast<void*>(&g_word);
  attack::checked_ptrace(PTRACE_ATTACH, child, nullptr, nullptr, "PTRACE_ATTACH");
  attack::wait_stopped(child);
  errno = 0;
  long word = ptrace(PTRACE_PEEKDATA, child, addr, nullptr);
  if (word == -1 && errno) attack::die("PTRACE_PEEKDATA");
  attack::checked_ptrace(PTRACE_POKEDATA, child, addr, reinterpret_cast<void*>(word), "PTRACE_POKEDATA");
  attack::checked_ptrace(PTRACE_DETACH, child, nullptr, nullptr, "PTRACE_DETACH");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  attack::Report("tracer_parent")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", child)
      .add_strings("requests", {"PTRACE_ATTACH", "PTRACE_PEEKDATA", "PTRACE_POKEDATA", "PTRACE_DETACH"})
      .add_string("addr", attack::hex(reinterpret_cast<uint64_t>(addr)))
      .print();
  (void)args;
  return 0;
}
