// The anti-debugging check: PTRACE_TRACEME fails when something already traces us. Reports the
// result and exits 0 either way (the parent, now our tracer, just sees a normal exit).
//   anti_debug_traceme [--as-gdb]
#include "ptrace_util.h"

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false, "[--as-gdb]");
  long rc = ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
  attack::Report("anti_debug_traceme")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", 0)
      .add_strings("requests", {"PTRACE_TRACEME"})
      .add_number("result", rc)
      .add_string("verdict", rc == 0 ? "not traced" : "already traced")
      .print();
  return 0;
}
