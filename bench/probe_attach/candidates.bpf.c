// Candidate attach points for the probe's syscall hooks, each doing the least the real probe would
// do on a syscall it does not watch. probe_attach_overhead.sh attaches them one set at a time.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

volatile __u64 hits;  // defeats dead-code elimination of the filters

// The syscall numbers the probe watches at exit (x86-64), as one test.
static __always_inline int watched(long nr) {
  switch (nr) {
    case 2: case 257: case 437:   // open, openat, openat2
    case 101:                     // ptrace
    case 310: case 311:           // process_vm_readv, process_vm_writev
      return 1;
  }
  return 0;
}

// Per-syscall tracepoints: do nothing.
SEC("tracepoint/syscalls/sys_enter_ptrace") int tp_enter_ptrace(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_ptrace") int tp_exit_ptrace(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_process_vm_readv") int tp_exit_vm_readv(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_process_vm_writev") int tp_exit_vm_writev(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_open") int tp_exit_open(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_openat") int tp_exit_openat(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_exit_openat2") int tp_exit_openat2(void *ctx) { return 0; }

// raw_syscalls through a raw tracepoint: the syscall number must be read through the regs pointer.
SEC("raw_tp/sys_exit")
int raw_exit_filter(struct bpf_raw_tracepoint_args *ctx) {
  struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
  if (watched(BPF_CORE_READ(regs, orig_ax))) hits++;
  return 0;
}

SEC("raw_tp/sys_enter")
int raw_enter_filter(struct bpf_raw_tracepoint_args *ctx) {
  if (watched(ctx->args[1])) hits++;
  return 0;
}

// raw_syscalls through BTF-typed tracepoints: direct loads, kfuncs allowed.
SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_filter, struct pt_regs *regs, long ret) {
  if (watched(regs->orig_ax)) hits++;
  return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_empty, struct pt_regs *regs, long ret) { return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(btf_enter_filter, struct pt_regs *regs, long id) {
  if (watched(id)) hits++;
  return 0;
}

SEC("tp_btf/sched_process_fork") int BPF_PROG(btf_fork, struct task_struct *p, struct task_struct *c) { return 0; }
SEC("tp_btf/sched_process_exec") int BPF_PROG(btf_exec, struct task_struct *p) { return 0; }
SEC("tp_btf/sched_process_exit") int BPF_PROG(btf_exit, struct task_struct *p) { return 0; }
