/* Which records are precious and which may be held back under a flood. Header-only C, compiled
 * into the BPF program and into the unit tests (tests/probe/record_class_test.cpp checks the
 * write requests against th::ptrace_request_writes, the engine's list).
 *
 *  - lifecycle: fork, exec, exit. The process table needs every one; never aggregated. They share
 *    the `events` ring with the injection kinds but may not fill its last quarter.
 *  - inject: what an injection is made of when it succeeds: ptrace ATTACH/SEIZE and the requests
 *    that write memory or registers, process_vm_writev, memory files opened for writing and
 *    written, memory-file descriptors taken with pidfd_getfd. The
 *    `events` ring, all of it; aggregated per (process, request, target) only beyond a generous
 *    burst, so that one process repeating itself cannot crowd out another's injection.
 *  - bulk: everything else a rule may want (TRACEME, reads, failed calls: the kernel refused, so
 *    nothing was injected). A ring of their own (`bulk`), and a small burst per key: a flood of
 *    them is counted and reported per process, never able to touch the other two. */
#ifndef TRACEHOUND_RECORD_CLASS_H
#define TRACEHOUND_RECORD_CLASS_H

#include "interest_filter.h"
#include "tracehound.h"

#ifndef TH_INLINE
#define TH_INLINE static inline __attribute__((always_inline))
#endif

/* Requests that change the tracee's memory or registers (same list as th::ptrace_request_writes). */
TH_INLINE int th_ptrace_request_writes(__s64 request) {
  switch (request) {
    case 4: case 5: case 6:    /* POKETEXT POKEDATA POKEUSR */
    case 13: case 15: case 19: /* SETREGS SETFPREGS SETFPXREGS */
    case 26:                   /* SET_THREAD_AREA */
    case 0x4203: case 0x4205:  /* SETSIGINFO SETREGSET */
    case 0x420b:               /* SETSIGMASK */
    case 0x4212:               /* SET_SYSCALL_INFO */
      return 1;
    default:
      return 0;
  }
}

TH_INLINE enum th_class th_record_class(__u32 kind, __s64 request, __s64 res) {
  switch (kind) {
    case TH_KIND_FORK:
    case TH_KIND_EXEC:
    case TH_KIND_EXIT: return TH_CLASS_LIFECYCLE;
    default: break;
  }
  if (res < 0) return TH_CLASS_BULK;
  switch (kind) {
    case TH_KIND_PTRACE:
      return request == TH_PTRACE_ATTACH || request == TH_PTRACE_SEIZE ||
                     th_ptrace_request_writes(request)
                 ? TH_CLASS_INJECT
                 : TH_CLASS_BULK;
    case TH_KIND_VM_WRITE:
    case TH_KIND_MEM_OPEN_WRITE:
    case TH_KIND_MEM_WRITE: return TH_CLASS_INJECT;
    /* `request` is is_mem_file: a memory-file descriptor taken prepares a write. */
    case TH_KIND_FD_TAKE: return request ? TH_CLASS_INJECT : TH_CLASS_BULK;
    default: return TH_CLASS_BULK;
  }
}

#endif /* TRACEHOUND_RECORD_CLASS_H */
