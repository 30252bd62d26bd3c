// PTRACE_ATTACH, wait for the stop, PEEKTEXT a word of the victim's code, POKETEXT the same word
// back (the write an injector does, leaving the victim unchanged), DETACH.
//   inject_ptrace_poketext PID [--addr A] [--words N] [--ia32] [--as-gdb]
// --ia32 makes ATTACH and DETACH through the ia32 syscall entry (int 0x80).
#include "ptrace_util.h"

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, true, "PID [--addr A] [--ia32] [--as-gdb]");
  const bool ia32 = args.has("ia32");
  uint64_t addr = args.number("addr", attack::find_exe_mapping(args.pid, "r-x"));
  if (!addr) attack::die("no code mapping found in the target");

  if (ia32) {
    if (attack::ptrace_ia32(PTRACE_ATTACH, args.pid, 0, 0) == -1) attack::die("ia32 PTRACE_ATTACH");
  } else {
    attack::checked_ptrace(PTRACE_ATTACH, args.pid, nullptr, nullptr, "PTRACE_ATTACH");
  }
  attack::wait_stopped(args.pid);
  errno = 0;
  long word = ptrace(PTRACE_PEEKTEXT, args.pid, reinterpret_cast<void*>(addr), nullptr);
  if (word == -1 && errno) attack::die("PTRACE_PEEKTEXT");
  // --words N: write N words, as a shellcode injector does (each the same word, put back).
  uint64_t words = args.number("words", 1);
  for (uint64_t i = 0; i < words; ++i)
    attack::checked_ptrace(PTRACE_POKETEXT, args.pid, reinterpret_cast<void*>(addr),
                           reinterpret_cast<void*>(word), "PTRACE_POKETEXT");
  if (ia32) {
    if (attack::ptrace_ia32(PTRACE_DETACH, args.pid, 0, 0) == -1) attack::die("ia32 PTRACE_DETACH");
  } else {
    attack::checked_ptrace(PTRACE_DETACH, args.pid, nullptr, nullptr, "PTRACE_DETACH");
  }
  attack::Report("inject_ptrace_poketext")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", args.pid)
      .add_strings("requests", {"PTRACE_ATTACH", "PTRACE_PEEKTEXT", "PTRACE_POKETEXT", "PTRACE_DETACH"})
      .add_string("addr", attack::hex(addr))
      .add_string("abi", ia32 ? "ia32" : "x86-64")
      .add_number("words", words)
      .print();
  return 0;
}
