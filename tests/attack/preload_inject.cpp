// Attack code riding in a real debugger: a library loaded with LD_PRELOAD whose constructor runs
// inside the host's own /usr/bin/strace (or gdb) before main. It attaches to the pid in
// TH_PRELOAD_TARGET, pokes a word of its code back unchanged and detaches, then lets the
// debugger run as usual. The variables are removed first so that the debugger's children do not
// inherit them. Prints one JSON line on stderr: the debugger's pid and the target.
//   LD_PRELOAD=libpreload_inject.so TH_PRELOAD_TARGET=PID /usr/bin/strace -o /dev/null /bin/true
#include "ptrace_util.h"

namespace {

__attribute__((constructor)) void inject_from_inside() {
  const char* target = getenv("TH_PRELOAD_TARGET");
  if (!target) return;
  pid_t pid = static_cast<pid_t>(std::atoi(target));
  unsetenv("TH_PRELOAD_TARGET");
  unsetenv("LD_PRELOAD");
  if (pid <= 0) return;
  attack::checked_ptrace(PTRACE_ATTACH, pid, nullptr, nullptr, "PTRACE_ATTACH");
  attack::wait_stopped(pid);
  uint64_t addr = attack::find_exe_mapping(pid, "r-x");
  errno = 0;
  long word = ptrace(PTRACE_PEEKTEXT, pid, reinterpret_cast<void*>(addr), nullptr);
  if (word == -1 && errno) attack::die("PTRACE_PEEKTEXT");
  attack::checked_ptrace(PTRACE_POKETEXT, pid, reinterpret_cast<void*>(addr),
                         reinterpret_cast<void*>(word), "PTRACE_POKETEXT");
  attack::checked_ptrace(PTRACE_DETACH, pid, nullptr, nullptr, "PTRACE_DETACH");
  std::fprintf(stderr, "{\"tool\":\"preload_inject\",\"tracer_pid\":%d,\"target_pid\":%d,\"addr\":\"%s\"}\n",
               getpid(), pid, attack::hex(addr).c_str());
}

}  // namespace
