// SPDX-License-Identifier: GPL-2.0
/* tracehound's kernel side: sees ptrace, process_vm_writev/readv, opens of and writes into
 * process memory files, descriptors taken with pidfd_getfd (the injection kinds), plus
 * fork/exec/exit for the process table, and writes flat records
 * (tracehound.h) into two ring buffers: `events` for what must never be lost (fork/exec/exit and
 * successful injections), `bulk` for the rest; see flood_control.bpf.h for how a flood is kept
 * from crowding out the first.
 *
 * Attach points (figures in bench/RESULTS.md, measured with bench/probe_attach_overhead.sh):
 *  - Syscalls are handled at exit only: on x86 the syscall's argument registers in pt_regs are
 *    still those the syscall ran with (a tracer's changes at syscall-entry-stop included), so one
 *    hook gives arguments and return value without a per-thread enter/exit map.
 *  - Two interchangeable hook sets, chosen by the loader: `th_sys_exit` on raw_syscalls:sys_exit
 *    (tp_btf), which also sees ia32 syscalls with their ia32 numbers, or one per-syscall exit
 *    tracepoint per watched syscall, which x86 never fires for ia32/x32 syscalls but which costs
 *    less on a syscall-heavy workload because the program only runs for watched syscalls. Any
 *    syscall tracepoint puts every task on the syscall slow path; the raw hook adds one program
 *    run per syscall on top of that.
 *  - fork/exec/exit come from sched_process_fork/exec/exit (tp_btf): they fire once per process
 *    event whatever the ABI and cost nothing on other syscalls.
 *
 *  - io_uring requests on memory files come from the io_uring tracepoints (io_uring.bpf.h): they
 *    run no system call.
 *
 * Target resolution (ptrace and process_vm_*), in order; see resolve_target():
 *  1. bpf_task_from_vpid() (kernel 6.13+): the kernel's own lookup in the caller's pid namespace,
 *     exact for every request, also for a tracer inside a container and for failed calls.
 *  2. the caller's list of tracees (current->ptraced): every ptrace request other than
 *     ATTACH/SEIZE/TRACEME needs the target to be there, and after a successful ATTACH/SEIZE it
 *     is; works on every kernel.
 *  3. a caller in the initial pid namespace names host pids: bpf_task_from_pid() (6.2+) gives the
 *     thread group; without it only the host tid is known.
 * A BPF map of (pidns, vpid) -> host pid kept at fork/exit would work on old kernels too, but
 * needs seeding from /proc, races with it, and costs a map update on every fork; on kernels
 * without the kfunc the cases it would add (process_vm_* or a failed ATTACH from inside a
 * container) are left with target_pid 0 and the arg_pid and pidns to go by.
 *
 * Verifier cost (start-up time is mostly the kernel verifying these programs; verified_insns
 * per program in bench/RESULTS.md, "Start-up and the syscall hooks' cost after the verifier
 * fix"): the verifier follows a static or inlined function again at every call, with the
 * caller's exact values, so a handler inlined into th_sys_exit was verified once for every ABI
 * its syscall number could belong to, and a loop inlined into several handlers (the ancestor
 * walk, the iovec sum, the path) once per handler. The handlers past their first cheap checks
 * and those loops are global functions (not static): each is verified once per program, on its
 * own, for any value of its arguments. Their arguments must be scalars, so they take kernel
 * pointers as numbers read with helper reads, or find the current task and its registers again.
 * Enforcement's functions stay static: while it is off, its branches test a read-only constant,
 * and the verifier skips them. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_fixes.bpf.h"
#include "flood_control.bpf.h"
#include "interest_filter.h"
#include "kernel_args.h"
#include "syscall_abi.h"
#include "tracehound.h"
#include "wakeup.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Options, set by the loader between open and load. */
const volatile __s32 ignore_tgid = 0;        /* tracehound itself: no injection-kind records */
const volatile __u64 mem_open_fns[TH_MEM_OPEN_FNS] = {}; /* address(es) of mem_open() */
const volatile bool use_task_kfuncs = true;  /* false: no kfuncs: portable resolution, helper reads (tests) */
/* Prevention (enforce.bpf.h): 0 off (its entry hooks are not even loaded), 1 dry_run, 2 enforce. */
const volatile __u8 enforce_mode = 0;

#define TH_MAX_ANCESTORS 64  /* real_parent hops when deciding target_is_descendant */
#define TH_MAX_TRACEES 64    /* entries of current->ptraced looked at */
#define TH_MAX_IOVECS 64     /* local iovecs summed for process_vm_* and writev */

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20); /* the loader sets the real size */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, TH_KIND_COUNT);
  __type(key, __u32);
  __type(value, struct th_kind_counters);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct th_interest);
} interest SEC(".maps");

/* An exec record is assembled here, then sent with only the argv bytes it has. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct th_exec_event);
} exec_scratch SEC(".maps");

enum counter_field { COUNT_EVENT, COUNT_DROP, COUNT_FILTERED };

static __always_inline void count(__u32 kind, enum counter_field field) {
  struct th_kind_counters *c = bpf_map_lookup_elem(&counters, &kind);
  if (!c) return;
  if (field == COUNT_EVENT)
    __sync_fetch_and_add(&c->events, 1);
  else if (field == COUNT_DROP)
    __sync_fetch_and_add(&c->drops, 1);
  else
    __sync_fetch_and_add(&c->filtered, 1);
}

/* A ring-buffer record in the ring of its class, or NULL with the loss counted for its kind
 * (and its flood key). Lifecycle records leave the last quarter of `events` to injections. */
static __always_inline void *reserve(const struct flood_ticket *t, __u32 size) {
  void *rec = 0;
  if (t->klass == TH_CLASS_BULK)
    rec = bpf_ringbuf_reserve(&bulk, size, 0);
  else if (t->klass == TH_CLASS_INJECT || lifecycle_room(&events, size))
    rec = bpf_ringbuf_reserve(&events, size, 0);
  if (!rec) {
    count(t->kind, COUNT_DROP);
    flood_lost(t);
  }
  return rec;
}

/* Commits a reserved record, waking the reader as wakeup.bpf.h explains. */
static __always_inline void submit(void *rec, const struct flood_ticket *t) {
  __u64 flags = BPF_RB_FORCE_WAKEUP; /* injections: wake the reader now */
  if (t->klass == TH_CLASS_BULK)
    flags = batched_wakeup(&bulk, WAKE_BULK);
  else if (t->klass == TH_CLASS_LIFECYCLE)
    flags = batched_wakeup(&events, WAKE_EVENTS);
  bpf_ringbuf_submit(rec, flags);
  count(t->kind, COUNT_EVENT);
}

/* Copies a lifecycle record of `size` bytes (variable-length records: built in a scratch map,
 * sent with only the bytes used) into `events`, as reserve() and submit() would. */
static __always_inline void output_lifecycle(const struct flood_ticket *t, void *rec, __u64 size) {
  if (!lifecycle_room(&events, size) ||
      bpf_ringbuf_output(&events, rec, size, batched_wakeup(&events, WAKE_EVENTS)) != 0) {
    count(t->kind, COUNT_DROP);
    return;
  }
  count(t->kind, COUNT_EVENT);
}

/* The ticket of a record that is never aggregated (fork/exec/exit). */
static __always_inline struct flood_ticket lifecycle_ticket(__u32 kind) {
  struct flood_ticket t = {.entry = 0, .kind = kind, .klass = TH_CLASS_LIFECYCLE};
  return t;
}

static __always_inline const struct th_interest *current_interest(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&interest, &zero);
}

/* ---- pids, namespaces, targets ---- */
#include "target.bpf.h"

/* ---- syscall arguments ---- */

/* `regs` is always a BTF-typed pointer (the raw tracepoints' argument or bpf_task_pt_regs()), so
 * the register is a plain CO-RE relocated load: this runs at every watched syscall (each write
 * while memory-file writes are wanted), where a helper call per argument would cost more than
 * the rest of the check. */
static __always_inline __u64 reg_value(struct pt_regs *regs, enum th_reg r) {
  switch (r) {
    case TH_REG_DI: return regs->di;
    case TH_REG_SI: return regs->si;
    case TH_REG_DX: return regs->dx;
    case TH_REG_R10: return regs->r10;
    case TH_REG_R8: return regs->r8;
    case TH_REG_R9: return regs->r9;
    case TH_REG_BX: return regs->bx;
    case TH_REG_CX: return regs->cx;
    default: return regs->bp;
  }
}

/* Argument `n` as the syscall saw it: compat ABIs pass 32-bit values (upper halves of the
 * registers are whatever user space left there). */
static __always_inline __u64 sc_arg(struct pt_regs *regs, enum th_abi abi, int n) {
  __u64 v = reg_value(regs, th_arg_reg(abi, n));
  return th_abi_is_compat(abi) ? (__u32)v : v;
}

/* A signed long argument (ptrace's request) */
static __always_inline __s64 sc_arg_long(struct pt_regs *regs, enum th_abi abi, int n) {
  return th_long_arg(reg_value(regs, th_arg_reg(abi, n)), th_abi_is_compat(abi));
}

/* ---- paths ---- */
#include "path.bpf.h"

/* ---- memory files ---- */
#include "mem_file.bpf.h"

/* Kill points on memory files (enforce.bpf.h). */
static __noinline int on_mem_open_enforce(struct task_struct *cur, enum th_syscall syscall,
                                          enum th_abi abi, struct file *f, long ret);
static __noinline int iou_mem_open_enforce(struct task_struct *cur, enum th_syscall syscall,
                                           struct file *f, long ret);
static __noinline int on_mem_write_enforce(struct task_struct *cur, struct pt_regs *regs,
                                           enum th_syscall syscall, enum th_abi abi,
                                           struct file *f);

/* The memory file an open returned, NULL when it returned something else (every open pays this). */
static __always_inline struct file *opened_mem_file(struct task_struct *cur, long ret) {
  if (ret < 0) return 0;
  struct file *f = fd_file(cur, (__u32)ret);
  return f && is_proc_mem_file(f) ? f : 0;
}

/* Writes `f`'s path into a record's path fields (see build_path()). */
static __always_inline void record_file_path(struct file *f, char *path, __u16 *path_len,
                                             __u8 *path_truncated) {
  __u8 truncated = 0;
  *path_len = build_path(BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), path,
                         &truncated);
  *path_truncated = truncated;
}

/* The memory file `f` opened (by a system call, or an io_uring request: `via`); `ret` is the
 * result (the descriptor, or an io_uring open's slot). */
static __always_inline int report_mem_open(struct task_struct *cur, enum th_syscall sc,
                                           enum th_abi abi, struct file *f, long ret,
                                           enum th_via via) {
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == ignore_tgid) return 0;
  __u32 flags = BPF_CORE_READ(f, f_flags);
  int write = (flags & TH_O_ACCMODE) != 0;
  __u32 kind = write ? TH_KIND_MEM_OPEN_WRITE : TH_KIND_MEM_OPEN_READ;
  if (enforce_mode != 0 && via == TH_VIA_SYSCALL) on_mem_open_enforce(cur, sc, abi, f, ret);
  if (enforce_mode != 0 && via == TH_VIA_IO_URING) iou_mem_open_enforce(cur, sc, f, ret);
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_mem_open(in, sc, write)) {
    count(kind, COUNT_FILTERED);
    return 0;
  }
  struct flood_ticket ft;
  if (!flood_admit(&ft, kind, 0, mem_file_tid(f), ret)) return 0;
  struct th_mem_open_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, cur, kind, sc, abi, ret);
  if (via == TH_VIA_IO_URING) mark_io_uring(&e->h, cur);
  e->flags = flags;
  mem_file_target(&e->t, f, cur, tgid);
  record_file_path(f, e->path, &e->path_len, &e->path_truncated);
  submit(e, &ft);
  return 0;
}

static __noinline int on_mem_open(struct task_struct *cur, enum th_syscall sc, enum th_abi abi,
                                  struct file *f, long ret) {
  return report_mem_open(cur, sc, abi, f, ret, TH_VIA_SYSCALL);
}

/* ---- ptrace, process_vm_* ---- */

/* May some rule want this ptrace call (0 also for tracehound's own)? Counted as filtered when
 * not. A tracer makes several ptrace calls per syscall it traces, nearly all of requests no rule
 * names, so the exit hooks ask this inline, before the global handler (see on_syscall_exit()). */
static __always_inline int ptrace_wanted(struct pt_regs *regs, enum th_abi abi) {
  if ((__s32)(bpf_get_current_pid_tgid() >> 32) == ignore_tgid) return 0;
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_ptrace(in, sc_arg_long(regs, abi, 0))) {
    count(TH_KIND_PTRACE, COUNT_FILTERED);
    return 0;
  }
  return 1;
}

static __noinline int on_ptrace(struct task_struct *cur, struct pt_regs *regs, enum th_abi abi,
                                long ret) {
  if (!ptrace_wanted(regs, abi)) return 0;
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  __s64 request = sc_arg_long(regs, abi, 0);
  __s32 vnr = th_pid_arg(sc_arg(regs, abi, 1));
  struct flood_ticket ft;
  if (!flood_admit(&ft, TH_KIND_PTRACE, request, request == TH_PTRACE_TRACEME ? 0 : vnr, ret))
    return 0;
  struct th_ptrace_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, cur, TH_KIND_PTRACE, TH_SC_PTRACE, abi, ret);
  e->request = request;
  e->addr = sc_arg(regs, abi, 2);
  e->data = sc_arg(regs, abi, 3);
  __builtin_memset(&e->t, 0, sizeof(e->t));
  if (request == TH_PTRACE_TRACEME)
    e->t.arg_pid = vnr; /* ignored by the kernel; the tracer-to-be is the parent */
  else
    resolve_target(&e->t, cur, vnr, tgid);
  submit(e, &ft);
  return 0;
}

/* Sum of the lengths of the first `count` (at most TH_MAX_IOVECS) iovecs at `iov`. A global
 * function, verified once per program (see "Verifier cost" above); the layout is chosen before
 * the loop, so that each step is one path: struct iovec { void *iov_base; size_t iov_len; },
 * struct compat_iovec { u32 iov_base; u32 iov_len; } (read into the low half of `len`). */
__noinline __u64 th_iovec_bytes(__u64 iov, __u64 count, int compat) {
  __u32 width = compat ? 4 : 8;
  barrier_var(width);
  if (width > 8) width = 8; /* for the verifier: the size of `len` */
  __u64 total = 0;
  for (int i = 0; i < TH_MAX_IOVECS; i++) {
    if (i >= count) break;
    __u64 len = 0;
    bpf_probe_read_user(&len, width, (void *)(iov + 2 * width * i + width));
    total += len;
  }
  return total;
}

static __always_inline __u64 iovec_bytes(__u64 iov, __u64 count, enum th_abi abi, __u8 *truncated) {
  *truncated = count > TH_MAX_IOVECS;
  return th_iovec_bytes(iov, count, th_abi_is_compat(abi));
}

/* May some rule want this process_vm_readv/writev (0 also for tracehound's own)? Counted as
 * filtered when not; asked inline by the exit hooks, like ptrace_wanted() (strace reads its
 * tracees' strings with process_vm_readv). */
static __always_inline int process_vm_wanted(enum th_syscall sc) {
  if ((__s32)(bpf_get_current_pid_tgid() >> 32) == ignore_tgid) return 0;
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_syscall(in, sc)) {
    count(sc == TH_SC_PROCESS_VM_WRITEV ? TH_KIND_VM_WRITE : TH_KIND_VM_READ, COUNT_FILTERED);
    return 0;
  }
  return 1;
}

static __noinline int on_process_vm(struct task_struct *cur, struct pt_regs *regs,
                                    enum th_syscall sc, enum th_abi abi, long ret) {
  if (!process_vm_wanted(sc)) return 0;
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u32 kind = sc == TH_SC_PROCESS_VM_WRITEV ? TH_KIND_VM_WRITE : TH_KIND_VM_READ;
  __s32 vnr = th_pid_arg(sc_arg(regs, abi, 0));
  struct flood_ticket ft;
  if (!flood_admit(&ft, kind, 0, vnr, ret)) return 0;
  struct th_vm_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, cur, kind, sc, abi, ret);
  __u64 local_count = sc_arg(regs, abi, 2);
  __u8 truncated = 0;
  e->bytes = iovec_bytes(sc_arg(regs, abi, 1), local_count, abi, &truncated);
  e->bytes_truncated = truncated;
  e->local_iovcnt = (__u32)local_count;
  e->remote_iovcnt = (__u32)sc_arg(regs, abi, 4);
  __builtin_memset(&e->t, 0, sizeof(e->t));
  resolve_target(&e->t, cur, vnr, tgid);
  submit(e, &ft);
  return 0;
}

#include "mem_write.bpf.h"
#include "fd_take.bpf.h"
#include "enforce.bpf.h"
#include "io_uring.bpf.h"

static __always_inline struct pt_regs *current_regs(void) {
  return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* What the exit hooks do for a watched syscall. The checks that every call of a common syscall
 * pays (is the descriptor written to, or the file just opened, a memory file?) are inlined into
 * the hooks, with the hook's own registers and task. What the calls that pass them need is in
 * global functions (see "Verifier cost" above), verified once for any (syscall, ABI) where,
 * inlined into th_sys_exit, each was verified again for every ABI a number could belong to.
 * Their arguments must be scalars, so they find the task and its registers again (the raw
 * tracepoint's `regs` are the current task's saved registers). */
__noinline int th_ptrace_exit(enum th_abi abi, long ret) {
  struct task_struct *cur = bpf_get_current_task_btf();
  struct pt_regs *regs = current_regs();
  if (enforce_mode != 0) on_ptrace_exit_enforce(cur, regs, abi, ret);
  return on_ptrace(cur, regs, abi, ret);
}

__noinline int th_process_vm_exit(enum th_syscall sc, enum th_abi abi, long ret) {
  return on_process_vm(bpf_get_current_task_btf(), current_regs(), sc, abi, ret);
}

__noinline int th_mem_open_exit(enum th_syscall sc, enum th_abi abi, long ret, __u64 file) {
  return on_mem_open(bpf_get_current_task_btf(), sc, abi, (struct file *)file, ret);
}

__noinline int th_mem_write_exit(enum th_syscall sc, enum th_abi abi, long ret, __u64 file) {
  return on_mem_write(bpf_get_current_task_btf(), current_regs(), sc, abi, (struct file *)file,
                      ret);
}

__noinline int th_pidfd_getfd_exit(enum th_abi abi, long ret) {
  return on_pidfd_getfd(bpf_get_current_task_btf(), current_regs(), abi, ret);
}

static __always_inline int on_syscall_exit(struct task_struct *cur, struct pt_regs *regs,
                                           enum th_syscall sc, enum th_abi abi, long ret) {
  struct file *f;
  switch (sc) {
    case TH_SC_PTRACE: /* enforcement decides on an attach whatever the rules want to see */
      if (enforce_mode == 0 && !ptrace_wanted(regs, abi)) return 0;
      return th_ptrace_exit(abi, ret);
    case TH_SC_PROCESS_VM_READV:
    case TH_SC_PROCESS_VM_WRITEV:
      if (!process_vm_wanted(sc)) return 0;
      return th_process_vm_exit(sc, abi, ret);
    case TH_SC_OPEN:
    case TH_SC_OPENAT:
    case TH_SC_OPENAT2:
      f = opened_mem_file(cur, ret);
      return f ? th_mem_open_exit(sc, abi, ret, (__u64)f) : 0;
    case TH_SC_WRITE:
    case TH_SC_PWRITE64:
    case TH_SC_WRITEV:
    case TH_SC_PWRITEV:
    case TH_SC_PWRITEV2:
      f = written_mem_file(cur, regs, sc, abi);
      return f ? th_mem_write_exit(sc, abi, ret, (__u64)f) : 0;
    case TH_SC_PIDFD_GETFD: return th_pidfd_getfd_exit(abi, ret);
    default: return 0; /* fork/exec are seen by the sched tracepoints, in the right order */
  }
}

/* Hook set 1: raw_syscalls, every ABI. */
SEC("tp_btf/sys_exit")
int BPF_PROG(th_sys_exit, struct pt_regs *regs, long ret) {
  long nr = th_syscall_nr(regs->orig_ax); /* the call that ran, see kernel_args.h */
  /* Every syscall passes here: decide on the number alone first (compares, no helper call),
   * and only read the thread's ABI for numbers that are watched in some ABI. */
  if (th_syscall_of(nr, TH_ABI_X64) == TH_SC_NONE && th_syscall_of(nr, TH_ABI_IA32) == TH_SC_NONE &&
      th_syscall_of(nr, TH_ABI_X32) == TH_SC_NONE)
    return 0;
  struct task_struct *cur = bpf_get_current_task_btf();
  enum th_abi abi = th_abi_of(nr, th_in_ia32_syscall(cur));
  enum th_syscall sc = th_syscall_of(nr, abi);
  if (sc == TH_SC_NONE) return 0;
  return on_syscall_exit(cur, regs, sc, abi, ret);
}

/* Entry, raw_syscalls: writes (see mem_write.bpf.h), and while enforcement is on the calls it
 * decides at entry (enforce.bpf.h). */
static __always_inline int wanted_at_enter(enum th_syscall sc) {
  return is_write_syscall(sc) || is_enforce_enter_syscall(sc);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(th_sys_enter, struct pt_regs *regs, long id) {
  long nr = th_syscall_nr(id);
  /* Every syscall passes here: decide on the number alone first. */
  if (!wanted_at_enter(th_syscall_of(nr, TH_ABI_X64)) &&
      !wanted_at_enter(th_syscall_of(nr, TH_ABI_IA32)) &&
      !wanted_at_enter(th_syscall_of(nr, TH_ABI_X32)))
    return 0;
  struct task_struct *cur = bpf_get_current_task_btf();
  enum th_abi abi = th_abi_of(nr, th_in_ia32_syscall(cur));
  enum th_syscall sc = th_syscall_of(nr, abi);
  if (is_write_syscall(sc)) return on_write_enter(cur, regs, sc, abi);
  if (is_enforce_enter_syscall(sc)) return on_enforce_enter(cur, regs, sc, abi);
  return 0;
}

/* Hook set 2: per-syscall exit tracepoints (x86-64 ABI only). Their context is the kernel's
 * struct syscall_trace_exit (kernel/trace/trace.h), as vmlinux.h has it. */

#define TH_PER_SYSCALL_EXIT(name, sc)                                                  \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                           \
  int th_exit_##name(struct syscall_trace_exit *ctx) {                                 \
    struct task_struct *cur = bpf_get_current_task_btf();                              \
    return on_syscall_exit(cur, (struct pt_regs *)bpf_task_pt_regs(cur), sc, TH_ABI_X64, \
                           ctx->ret);                                                  \
  }
TH_PER_SYSCALL_EXIT(ptrace, TH_SC_PTRACE)
TH_PER_SYSCALL_EXIT(process_vm_readv, TH_SC_PROCESS_VM_READV)
TH_PER_SYSCALL_EXIT(process_vm_writev, TH_SC_PROCESS_VM_WRITEV)
TH_PER_SYSCALL_EXIT(open, TH_SC_OPEN)
TH_PER_SYSCALL_EXIT(openat, TH_SC_OPENAT)
TH_PER_SYSCALL_EXIT(openat2, TH_SC_OPENAT2)
TH_PER_SYSCALL_EXIT(write, TH_SC_WRITE)
TH_PER_SYSCALL_EXIT(pwrite64, TH_SC_PWRITE64)
TH_PER_SYSCALL_EXIT(writev, TH_SC_WRITEV)
TH_PER_SYSCALL_EXIT(pwritev, TH_SC_PWRITEV)
TH_PER_SYSCALL_EXIT(pwritev2, TH_SC_PWRITEV2)
TH_PER_SYSCALL_EXIT(pidfd_getfd, TH_SC_PIDFD_GETFD)

#define TH_PER_SYSCALL_ENTER(name, sc)                                   \
  SEC("tracepoint/syscalls/sys_enter_" #name)                            \
  int th_enter_##name(void *ctx) {                                       \
    return on_write_enter(bpf_get_current_task_btf(), current_regs(), sc, TH_ABI_X64); \
  }
TH_PER_SYSCALL_ENTER(write, TH_SC_WRITE)
TH_PER_SYSCALL_ENTER(pwrite64, TH_SC_PWRITE64)
TH_PER_SYSCALL_ENTER(writev, TH_SC_WRITEV)
TH_PER_SYSCALL_ENTER(pwritev, TH_SC_PWRITEV)
TH_PER_SYSCALL_ENTER(pwritev2, TH_SC_PWRITEV2)

/* Enforcement's own entry hooks (loaded only while it is on). */
#define TH_PER_SYSCALL_ENFORCE_ENTER(name, sc)                                          \
  SEC("tracepoint/syscalls/sys_enter_" #name)                                           \
  int th_enforce_enter_##name(void *ctx) {                                              \
    return on_enforce_enter(bpf_get_current_task_btf(), current_regs(), sc, TH_ABI_X64); \
  }
TH_PER_SYSCALL_ENFORCE_ENTER(ptrace, TH_SC_PTRACE)
TH_PER_SYSCALL_ENFORCE_ENTER(process_vm_writev, TH_SC_PROCESS_VM_WRITEV)

#include "exec_fds.bpf.h"
#include "exec_trust.bpf.h"

/* ---- process lifecycle: always flows ---- */
#include "lifecycle.bpf.h"
