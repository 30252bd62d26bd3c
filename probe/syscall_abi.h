/* The one place that knows x86 system-call numbers: which syscall a (number, ABI) pair is, and
 * which registers carry the arguments. Header-only C, compiled into the BPF program and into the
 * unit tests (tests/probe/syscall_abi_test.cpp checks every number against <asm/unistd_*.h>).
 *
 * Why three ABIs: a 64-bit process can enter the kernel through int 0x80 and get the ia32 table
 * (ptrace is 26 there, msync on x86-64), which raw_syscalls tracepoints report with the ia32
 * number while the per-syscall tracepoints do not report at all. x32 numbers carry bit 30. */
#ifndef TRACEHOUND_SYSCALL_ABI_H
#define TRACEHOUND_SYSCALL_ABI_H

#include "tracehound.h"

#ifndef TH_INLINE
#define TH_INLINE static inline __attribute__((always_inline))
#endif

#define TH_X32_SYSCALL_BIT 0x40000000L

/* X(syscall, x86-64 number, ia32 number, x32 number without TH_X32_SYSCALL_BIT) */
#define TH_SYSCALL_TABLE(X)                        \
  X(TH_SC_PTRACE, 101, 26, 521)                    \
  X(TH_SC_PROCESS_VM_READV, 310, 347, 539)         \
  X(TH_SC_PROCESS_VM_WRITEV, 311, 348, 540)        \
  X(TH_SC_OPEN, 2, 5, 2)                           \
  X(TH_SC_OPENAT, 257, 295, 257)                   \
  X(TH_SC_OPENAT2, 437, 437, 437)                  \
  X(TH_SC_EXECVE, 59, 11, 520)                     \
  X(TH_SC_EXECVEAT, 322, 358, 545)                 \
  X(TH_SC_CLONE, 56, 120, 56)                      \
  X(TH_SC_CLONE3, 435, 435, 435)                   \
  X(TH_SC_FORK, 57, 2, 57)                         \
  X(TH_SC_VFORK, 58, 190, 58)                      \
  X(TH_SC_WRITE, 1, 4, 1)                          \
  X(TH_SC_PWRITE64, 18, 181, 18)                   \
  X(TH_SC_WRITEV, 20, 146, 516)                    \
  X(TH_SC_PWRITEV, 296, 334, 535)                  \
  X(TH_SC_PWRITEV2, 328, 379, 547)                 \
  X(TH_SC_PIDFD_GETFD, 438, 438, 438)

#define TH_CASE_X64(sc, x64, ia32, x32) case x64: return sc;
#define TH_CASE_IA32(sc, x64, ia32, x32) case ia32: return sc;
#define TH_CASE_X32(sc, x64, ia32, x32) case x32: return sc;

/* The ABI of a syscall in flight: `ia32` is the kernel's TS_COMPAT bit for the thread. */
TH_INLINE enum th_abi th_abi_of(long nr, int ia32) {
  if (ia32) return TH_ABI_IA32;
  return (nr & TH_X32_SYSCALL_BIT) ? TH_ABI_X32 : TH_ABI_X64;
}

TH_INLINE enum th_syscall th_syscall_of(long nr, enum th_abi abi) {
  if (abi == TH_ABI_IA32) {
    switch (nr) { TH_SYSCALL_TABLE(TH_CASE_IA32) }
  } else if (abi == TH_ABI_X32) {
    switch (nr & ~TH_X32_SYSCALL_BIT) { TH_SYSCALL_TABLE(TH_CASE_X32) }
  } else {
    switch (nr) { TH_SYSCALL_TABLE(TH_CASE_X64) }
  }
  return TH_SC_NONE;
}

/* Argument registers (indexes into the order below) per ABI. */
enum th_reg { TH_REG_DI, TH_REG_SI, TH_REG_DX, TH_REG_R10, TH_REG_R8, TH_REG_R9,
              TH_REG_BX, TH_REG_CX, TH_REG_BP };

/* Which register holds argument `n` (0-based) of a syscall made through `abi`. */
TH_INLINE enum th_reg th_arg_reg(enum th_abi abi, int n) {
  if (abi == TH_ABI_IA32) {
    switch (n) {
      case 0: return TH_REG_BX;
      case 1: return TH_REG_CX;
      case 2: return TH_REG_DX;
      case 3: return TH_REG_SI;
      case 4: return TH_REG_DI;
      default: return TH_REG_BP;
    }
  }
  switch (n) {
    case 0: return TH_REG_DI;
    case 1: return TH_REG_SI;
    case 2: return TH_REG_DX;
    case 3: return TH_REG_R10;
    case 4: return TH_REG_R8;
    default: return TH_REG_R9;
  }
}

/* Arguments of compat ABIs are 32 bits wide (pointers, longs and iovec fields alike). */
TH_INLINE int th_abi_is_compat(enum th_abi abi) { return abi != TH_ABI_X64; }

#endif /* TRACEHOUND_SYSCALL_ABI_H */
