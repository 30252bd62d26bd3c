// ptrace helpers for the injectors: checked calls and waiting for the stop.
#pragma once

#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common.h"
#include "ia32.h"

namespace attack {

// ptrace(2) through the ia32 entry (int 0x80, syscall 26) from this 64-bit process.
inline long ptrace_ia32(long request, pid_t pid, uint32_t addr, uint32_t data) {
  return ia32_checked(ia32_syscall(26, request, pid, addr, data));
}

inline void checked_ptrace(__ptrace_request request, pid_t pid, void* addr, void* data,
                           const char* what) {
  if (ptrace(request, pid, addr, data) == -1) die(what);
}

// Waits until `pid` reports a stop.
inline void wait_stopped(pid_t pid) {
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, __WALL) < 0) die("waitpid");
    if (WIFSTOPPED(status)) return;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      errno = 0;
      die("target ended while being traced");
    }
  }
}

}  // namespace attack
