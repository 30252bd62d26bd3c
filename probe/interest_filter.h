/* How the kernel side reads the interest map: the predicates that decide, before a record is
 * reserved, whether any rule could match it. Header-only C shared with the loader's unit tests,
 * which check it against th::Interest (engine/core/interest.h) request by request. */
#ifndef TRACEHOUND_INTEREST_FILTER_H
#define TRACEHOUND_INTEREST_FILTER_H

#include "tracehound.h"

#ifndef TH_INLINE
#define TH_INLINE static inline __attribute__((always_inline))
#endif

#define TH_PTRACE_TRACEME 0
#define TH_PTRACE_ATTACH 16
#define TH_PTRACE_SEIZE 0x4206

/* Same slots as th::ptrace_request_slot: 0..63 and 0x4200..0x423f, -1 for anything else. */
TH_INLINE int th_ptrace_slot(__s64 request) {
  if (request >= 0 && request < 64) return (int)request;
  if (request >= 0x4200 && request < 0x4240) return 64 + (int)(request - 0x4200);
  return -1;
}

TH_INLINE int th_interest_wants_syscall(const struct th_interest *in, enum th_syscall sc) {
  return (in->syscalls >> sc) & 1u;
}

TH_INLINE int th_interest_wants_ptrace(const struct th_interest *in, __s64 request) {
  if (!th_interest_wants_syscall(in, TH_SC_PTRACE)) return 0;
  int slot = th_ptrace_slot(request);
  if (slot < 0) return in->ptrace_other != 0;
  /* Two plain loads rather than an indexed one: the BPF verifier then needs no bound on slot. */
  __u64 word = slot < 64 ? in->ptrace_slots[0] : in->ptrace_slots[1];
  return (int)((word >> (slot & 63)) & 1u);
}

/* A memory-file open through `sc` for writing (`write` != 0) or read-only. */
TH_INLINE int th_interest_wants_mem_open(const struct th_interest *in, enum th_syscall sc,
                                         int write) {
  if (!th_interest_wants_syscall(in, sc)) return 0;
  return write ? in->mem_open_write != 0 : in->mem_open_read != 0;
}

#endif /* TRACEHOUND_INTEREST_FILTER_H */
