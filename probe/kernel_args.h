/* System-call arguments as the kernel reads them, not as user space left them in the registers.
 * An injector controls every bit of every register; wherever the kernel truncates or
 * sign-extends, a monitor that compares the full register sees a different call than the one
 * that ran. Header-only C, compiled into the BPF program and into the unit tests
 * (tests/probe/kernel_args_test.cpp holds the table of cases, each with the kernel code it
 * follows). */
#ifndef TRACEHOUND_KERNEL_ARGS_H
#define TRACEHOUND_KERNEL_ARGS_H

#include "tracehound.h"

#ifndef TH_INLINE
#define TH_INLINE static inline __attribute__((always_inline))
#endif

/* The system-call number. x86-64: entry_SYSCALL_64 passes `movslq %eax` to
 * do_syscall_64(regs, int nr), so `syscall` with rax = 1 << 32 | 101 runs ptrace, while
 * pt_regs->orig_ax keeps all 64 bits (and the per-syscall tracepoints, which range-check the
 * full orig_ax, do not fire at all). ia32 (int 0x80, sysenter, syscall32): the entry code stores
 * the 32-bit number already truncated. Either way the low 32 bits, as an int, are the call. */
TH_INLINE long th_syscall_nr(__u64 orig_ax) { return (long)(int)(__u32)orig_ax; }

/* A `long` argument (ptrace's request): 64 bits native; compat_long_t, sign-extended, in the
 * ia32 and x32 entries (compat_sys_ptrace). */
TH_INLINE __s64 th_long_arg(__u64 reg, int compat) {
  return compat ? (__s64)(__s32)(__u32)reg : (__s64)reg;
}

/* A pid argument: ptrace's `long pid` goes to find_get_task_by_vpid(pid_t), process_vm_*'s is a
 * pid_t already. Only the low 32 bits name the task. */
TH_INLINE __s32 th_pid_arg(__u64 reg) { return (__s32)(__u32)reg; }

/* clone(2)'s flags: kernel/fork.c takes lower_32_bits(clone_flags) for flags and exit signal;
 * the high half is ignored (clone3 is the only way to pass 64-bit flags). */
TH_INLINE __u64 th_clone_flags_arg(__u64 reg) { return (__u32)reg; }

/* PTRACE_ARCH_PRCTL: arch_ptrace() calls do_arch_prctl_64(child, data, addr), whose `option`
 * parameter is an int: the code is the low 32 bits of data, whatever the high bits say. */
TH_INLINE __s32 th_arch_prctl_code(__u64 data) { return (__s32)(__u32)data; }

/* A descriptor argument: write(2) and kin take `unsigned int fd` (fdget(unsigned int)), so the
 * low 32 bits name the descriptor and a "negative" one is just a large number (EBADF). */
TH_INLINE __u32 th_fd_arg(__u64 reg) { return (__u32)reg; }

/* The file offset of pwrite64/pwritev/pwritev2. x86-64 and x32: one 64-bit register (pwritev's
 * pos_h is shifted out by pos_from_hilo on 64-bit kernels). ia32: two 32-bit halves, low first
 * (sys_ia32_pwrite64, compat_sys_pwritev{,2}). */
TH_INLINE __u64 th_pos_arg(__u64 lo_reg, __u64 hi_reg, int ia32) {
  return ia32 ? ((__u64)(__u32)hi_reg << 32) | (__u32)lo_reg : lo_reg;
}

#endif /* TRACEHOUND_KERNEL_ARGS_H */
