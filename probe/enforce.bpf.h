/* Prevention: the kernel kills the caller of a syscall that an `action: kill` rule matches,
 * deciding on its own from the program user space compiled from the rules (enforce.h), before
 * the write is made. Part of tracehound.bpf.c, included once from it after mem_write.bpf.h (it
 * uses the argument readers, targets and memory-file helpers).
 *
 * Kill points (the guarantees per channel are in README "Prevention"):
 *  - ptrace write requests (POKE*, SETREGS*, SETREGSET, POKEUSER, ...) and process_vm_writev: at
 *    sys_enter. bpf_send_signal(SIGKILL) leaves a fatal signal pending before the syscall runs:
 *    ptrace's access checks and the remote copy see it and give up, so nothing is written.
 *  - PTRACE_ATTACH / PTRACE_SEIZE: at sys_exit, where the result is known (an attach cannot be
 *    refused at entry: it takes its locks without waiting when they are free, pending signal or
 *    not). The tracer dies before its next request; ATTACH has queued a SIGSTOP for the target,
 *    so the record says whether the target was already in a group stop before the call (seen
 *    at entry) for user space to resume it only when the stop came from the killed attach. The
 *    same is said of a tracer killed at a write into a tracee it attached to while we watched
 *    (its tracee is left in the stop of that attach).
 *  - memory-file writes: at sys_enter of write and kin, for a memory file behind the
 *    descriptor (mem_write.bpf.h finds it); memory-file opens for writing: at sys_exit of the
 *    open (the descriptor dies with the process before it is used).
 * Never killed: pid 1, kernel threads, tracehound itself, the allow list (executables by file
 * identity, uids). Beyond kills_per_sec kills a second the kernel only reports. */
#ifndef TRACEHOUND_ENFORCE_BPF_H
#define TRACEHOUND_ENFORCE_BPF_H

#include "enforce_eval.h"

#define TH_SIGKILL 9
#define TH_SIGNAL_STOP_STOPPED 0x00000001 /* signal_struct.flags: a completed group stop */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, TH_ENFORCE_MAX_INSNS);
  __type(key, __u32);
  __type(value, struct th_enforce_insn);
} enforce_prog SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct th_enforce_config);
} enforce_config SEC(".maps");

/* What the kill rules can match (the prefilter before any fact is gathered). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct th_interest);
} enforce_interest SEC(".maps");

/* Executable identity -> bit n for each list n it is in; TH_ENFORCE_ALLOW_BIT: allow-listed. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct th_exe_key);
  __type(value, __u64);
} enforce_exes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u8);
} enforce_allow_uids SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 << 10);
} enforce_events SEC(".maps");

/* The kill budget of the current second, and decisions lost because enforce_events was full. */
struct enforce_budget {
  __u64 window_start_ns;
  __u64 kills;
  __u64 lost;
};
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct enforce_budget);
} enforce_budget SEC(".maps");

/* Evaluation state and the decision's record, per CPU (too large for the BPF stack). */
struct enforce_scratch {
  struct th_enforce_state s;
  struct th_enforce_facts f;
  struct th_enforce_event e;
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct enforce_scratch);
} enforce_scratch SEC(".maps");

/* ATTACH/SEIZE: whether the target was group-stopped when the call began, until its exit. */
struct pending_attach {
  __s32 vnr;
  __u8 was_stopped;
  __u8 pad[3];
};
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct pending_attach);
} pending_attaches SEC(".maps");

static __always_inline struct enforce_scratch *enforce_scratch_get(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&enforce_scratch, &zero);
}

static __always_inline void fact_set(struct th_enforce_facts *f, enum th_enforce_fact k, __s64 v) {
  f->v[k] = v;
  f->known |= 1u << k;
}

/* The list bits of `task`'s executable (0 when it is on none); unknown without an mm. */
static __always_inline void exe_sets_fact(struct th_enforce_facts *f, enum th_enforce_fact k,
                                          struct task_struct *task) {
  struct file *exe = BPF_CORE_READ(task, mm, exe_file);
  if (!exe) return;
  struct inode *inode = BPF_CORE_READ(exe, f_inode);
  struct th_exe_key key = {};
  key.ino = BPF_CORE_READ(inode, i_ino);
  key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
  __u64 *sets = bpf_map_lookup_elem(&enforce_exes, &key);
  fact_set(f, k, sets ? (__s64)*sets : 0);
}

/* The caller's facts, and an empty draft record. */
static __always_inline void caller_facts(struct enforce_scratch *sc, struct task_struct *cur,
                                         enum th_syscall syscall) {
  __builtin_memset(&sc->f, 0, sizeof(sc->f));
  __builtin_memset(&sc->e, 0, sizeof(sc->e));
  sc->e.fd = -1;
  fact_set(&sc->f, TH_EF_SYSCALL, syscall);
  fact_set(&sc->f, TH_EF_FAILED, 0);
  fact_set(&sc->f, TH_EF_UID, (__u32)bpf_get_current_uid_gid());
  fact_set(&sc->f, TH_EF_CALLER_HOST_PIDNS, task_ns_pos(cur).level == 0);
  exe_sets_fact(&sc->f, TH_EF_CALLER_EXE_SETS, cur);
}

/* The target's facts, and the record's target. */
static __always_inline void target_facts(struct enforce_scratch *sc, struct task_struct *cur,
                                         struct task_struct *task, __s32 caller_tgid, __u8 how) {
  target_from_task(&sc->e.t, task, caller_tgid, how);
  __s32 tgid = sc->e.t.pid;
  fact_set(&sc->f, TH_EF_TARGET_PID, tgid);
  fact_set(&sc->f, TH_EF_TARGET_IS_SELF, tgid == caller_tgid);
  if (sc->e.t.is_descendant != TH_TRI_UNKNOWN)
    fact_set(&sc->f, TH_EF_TARGET_IS_DESCENDANT, sc->e.t.is_descendant == TH_TRI_YES);
  struct ns_pos mine = task_ns_pos(cur), theirs = task_ns_pos(task);
  fact_set(&sc->f, TH_EF_SAME_PIDNS, mine.ns == theirs.ns);
  fact_set(&sc->f, TH_EF_TARGET_HOST_PIDNS, theirs.level == 0);
  exe_sets_fact(&sc->f, TH_EF_TARGET_EXE_SETS, task);
}

/* Looks the target up the way resolve_target() does, with the task kfuncs only (a task pointer
 * is needed); without them the target facts stay unknown and nothing is killed. */
static __noinline void named_target_facts(struct enforce_scratch *sc, struct task_struct *cur,
                                          __s32 vnr, __s32 caller_tgid) {
  sc->e.t.arg_pid = vnr;
  if (vnr <= 0 || !use_task_kfuncs) return;
  struct task_struct *task = 0;
  __u8 how = TH_RESOLVED_VPID_KFUNC;
  if (th_ksym_exists(bpf_task_from_vpid) && th_ksym_exists(bpf_task_release)) {
    task = bpf_task_from_vpid(vnr);
  } else if (task_ns_pos(cur).level == 0 && th_ksym_exists(bpf_task_from_pid) &&
             th_ksym_exists(bpf_task_release)) {
    task = bpf_task_from_pid(vnr);
    how = TH_RESOLVED_ROOT_PID;
  }
  if (!task) return;
  target_facts(sc, cur, task, caller_tgid, how);
  bpf_task_release(task);
}

static long enforce_step_cb(__u32 i, void *unused) {
  struct enforce_scratch *sc = enforce_scratch_get();
  if (!sc) return 1;
  struct th_enforce_insn *in = bpf_map_lookup_elem(&enforce_prog, &i);
  if (!in) {
    sc->s.broken = 1;
    sc->s.rule = -1;
    return 1;
  }
  return th_enforce_step(&sc->s, &sc->f, in);
}

/* The rule that matches the facts in the scratch, -1 for none. */
static __always_inline __s32 enforce_evaluate(struct enforce_scratch *sc) {
  __u32 zero = 0;
  struct th_enforce_config *cfg = bpf_map_lookup_elem(&enforce_config, &zero);
  if (!cfg || cfg->insns == 0) return -1;
  __u32 n = cfg->insns < TH_ENFORCE_MAX_INSNS ? cfg->insns : TH_ENFORCE_MAX_INSNS;
  th_enforce_init(&sc->s);
  bpf_loop(n, enforce_step_cb, 0, 0);
  return sc->s.broken ? -1 : sc->s.rule;
}

/* Why the caller must live, or TH_ES_NONE. */
static __always_inline __u8 spared_reason(struct task_struct *cur, __s32 tgid,
                                          const struct th_enforce_facts *f) {
  if (tgid == 1) return TH_ES_INIT;
  if (th_task_is_kthread(cur)) return TH_ES_KTHREAD;
  if (((f->known >> TH_EF_CALLER_EXE_SETS) & 1) &&
      ((__u64)f->v[TH_EF_CALLER_EXE_SETS] >> TH_ENFORCE_ALLOW_BIT) & 1)
    return TH_ES_ALLOW_EXE;
  __u32 uid = (__u32)bpf_get_current_uid_gid();
  if (bpf_map_lookup_elem(&enforce_allow_uids, &uid)) return TH_ES_ALLOW_UID;
  return TH_ES_NONE;
}

/* Takes one kill from this second's budget; 0 when it is spent. */
static __always_inline int take_kill_budget(struct enforce_budget *b) {
  __u32 zero = 0;
  struct th_enforce_config *cfg = bpf_map_lookup_elem(&enforce_config, &zero);
  if (!cfg) return 0;
  __u64 now = bpf_ktime_get_boot_ns();
  if (now - b->window_start_ns >= 1000000000ull) { /* a new second (races only reset twice) */
    b->window_start_ns = now;
    b->kills = 0;
  }
  return __sync_fetch_and_add(&b->kills, 1) < cfg->kills_per_sec;
}

/* Evaluates the kill rules on the facts gathered in `sc`, acts, and reports the decision. */
static __noinline int enforce_act(struct task_struct *cur, struct enforce_scratch *sc) {
  if (!sc) return 0;
  __s32 rule = enforce_evaluate(sc);
  if (rule < 0) return 0;
  __u32 zero = 0;
  struct enforce_budget *b = bpf_map_lookup_elem(&enforce_budget, &zero);
  if (!b) return 0;
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct th_enforce_event *e = &sc->e;
  e->rule = (__u32)rule;
  e->spared = spared_reason(cur, tgid, &sc->f);
  if (e->spared != TH_ES_NONE) {
    e->result = TH_ER_SPARED;
  } else if (!take_kill_budget(b)) {
    e->result = TH_ER_RATE_LIMITED;
  } else if (enforce_mode != 2) {
    e->result = TH_ER_DRY_RUN;
  } else {
    e->signal_err = bpf_send_signal(TH_SIGKILL);
    e->result = e->signal_err == 0 ? TH_ER_KILLED : TH_ER_KILL_FAILED;
  }
  if (bpf_ringbuf_output(&enforce_events, e, sizeof(*e), BPF_RB_FORCE_WAKEUP) != 0)
    __sync_fetch_and_add(&b->lost, 1);
  return 0;
}

static __always_inline const struct th_interest *kill_interest(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&enforce_interest, &zero);
}

/* ---- ptrace ---- */

static __always_inline int is_attach(__s64 request) {
  return request == TH_PTRACE_ATTACH || request == TH_PTRACE_SEIZE;
}

/* Facts and draft of a ptrace call; `point`, `ret` as the hook has them. */
static __always_inline struct enforce_scratch *ptrace_facts(struct task_struct *cur,
                                                            struct pt_regs *regs, enum th_abi abi,
                                                            __s64 request, __u8 point, long ret) {
  struct enforce_scratch *sc = enforce_scratch_get();
  if (!sc) return 0;
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  caller_facts(sc, cur, TH_SC_PTRACE);
  __u64 data = sc_arg(regs, abi, 3);
  fact_set(&sc->f, TH_EF_PTRACE_REQUEST, request);
  fact_set(&sc->f, TH_EF_ARCH_PRCTL_CODE, (__s32)data);
  if (point == TH_EP_EXIT) fact_set(&sc->f, TH_EF_FAILED, ret < 0);
  named_target_facts(sc, cur, th_pid_arg(sc_arg(regs, abi, 1)), tgid);
  fill_header(&sc->e.h, cur, TH_KIND_PTRACE, TH_SC_PTRACE, abi, point == TH_EP_EXIT ? ret : 0);
  sc->e.point = point;
  sc->e.request = request;
  sc->e.addr = sc_arg(regs, abi, 2);
  sc->e.data = data;
  return sc;
}

/* Entry of ptrace: write requests are decided here; ATTACH/SEIZE note the target's stop state
 * for their exit. */
static __noinline int on_ptrace_enter(struct task_struct *cur, struct pt_regs *regs,
                                      enum th_abi abi) {
  if ((__s32)(bpf_get_current_pid_tgid() >> 32) == ignore_tgid) return 0;
  __s64 request = sc_arg_long(regs, abi, 0);
  const struct th_interest *in = kill_interest();
  if (request == TH_PTRACE_TRACEME || !in || !th_interest_wants_ptrace(in, request)) return 0;
  __s32 vnr = th_pid_arg(sc_arg(regs, abi, 1));
  if (!is_attach(request)) {
    struct enforce_scratch *sc = ptrace_facts(cur, regs, abi, request, TH_EP_ENTER, 0);
    if (!sc) return 0;
    /* A tracee this tracer attached to while we watched: whether it was stopped before. */
    struct pending_attach *p = bpf_task_storage_get(&pending_attaches, cur, 0, 0);
    sc->e.target_was_stopped = p && p->vnr == vnr ? p->was_stopped : 2;
    return enforce_act(cur, sc);
  }
  struct pending_attach *p =
      bpf_task_storage_get(&pending_attaches, cur, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!p) return 0;
  p->vnr = vnr;
  p->was_stopped = 2; /* unknown: never resumed */
  if (vnr > 0 && use_task_kfuncs && th_ksym_exists(bpf_task_from_vpid) &&
      th_ksym_exists(bpf_task_release)) {
    struct task_struct *task = bpf_task_from_vpid(vnr);
    if (task) {
      p->was_stopped = (BPF_CORE_READ(task, signal, flags) & TH_SIGNAL_STOP_STOPPED) != 0;
      bpf_task_release(task);
    }
  }
  return 0;
}

/* Exit of ptrace: ATTACH/SEIZE are decided here, with their result. */
static __noinline int on_ptrace_exit_enforce(struct task_struct *cur, struct pt_regs *regs,
                                             enum th_abi abi, long ret) {
  if ((__s32)(bpf_get_current_pid_tgid() >> 32) == ignore_tgid) return 0;
  __s64 request = sc_arg_long(regs, abi, 0);
  if (!is_attach(request)) return 0;
  const struct th_interest *in = kill_interest();
  if (!in || !th_interest_wants_ptrace(in, request)) return 0;
  __u8 was_stopped = 2;
  struct pending_attach *p = bpf_task_storage_get(&pending_attaches, cur, 0, 0);
  if (p) {
    if (p->vnr == th_pid_arg(sc_arg(regs, abi, 1))) was_stopped = p->was_stopped;
    if (ret < 0) { /* kept after a successful attach, for the tracer's later writes */
      p->vnr = 0;
      p->was_stopped = 2;
    }
  }
  struct enforce_scratch *sc = ptrace_facts(cur, regs, abi, request, TH_EP_EXIT, ret);
  if (!sc) return 0;
  sc->e.target_was_stopped = was_stopped;
  return enforce_act(cur, sc);
}

/* ---- process_vm_writev ---- */

static __noinline int on_vm_write_enter(struct task_struct *cur, struct pt_regs *regs,
                                        enum th_abi abi) {
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == ignore_tgid) return 0;
  const struct th_interest *in = kill_interest();
  if (!in || !th_interest_wants_syscall(in, TH_SC_PROCESS_VM_WRITEV)) return 0;
  struct enforce_scratch *sc = enforce_scratch_get();
  if (!sc) return 0;
  caller_facts(sc, cur, TH_SC_PROCESS_VM_WRITEV);
  named_target_facts(sc, cur, th_pid_arg(sc_arg(regs, abi, 0)), tgid);
  fill_header(&sc->e.h, cur, TH_KIND_VM_WRITE, TH_SC_PROCESS_VM_WRITEV, abi, 0);
  sc->e.point = TH_EP_ENTER;
  __u8 truncated = 0;
  sc->e.bytes = iovec_bytes(sc_arg(regs, abi, 1), sc_arg(regs, abi, 2), abi, &truncated);
  return enforce_act(cur, sc);
}

/* ---- memory files ---- */

/* Facts and draft for a call on the memory file `f` (its process is the target). */
static __always_inline struct enforce_scratch *mem_file_facts(struct task_struct *cur,
                                                              struct file *f, enum th_syscall syscall,
                                                              enum th_abi abi, __u32 kind, long ret) {
  struct enforce_scratch *sc = enforce_scratch_get();
  if (!sc) return 0;
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  caller_facts(sc, cur, syscall);
  struct pid *pid = th_proc_inode_pid(BPF_CORE_READ(f, f_inode));
  struct hlist_node *first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);
  sc->e.t.arg_pid = pid_nr_in(pid, task_ns_pos(cur));
  if (first) {
    struct task_struct *task = (struct task_struct *)((char *)first -
        bpf_core_field_offset(struct task_struct, pid_links));
    target_facts(sc, cur, task, tgid, TH_RESOLVED_PROC_INODE);
  }
  fill_header(&sc->e.h, cur, kind, syscall, abi, ret);
  return sc;
}

/* A write of `bytes` through descriptor `fd` into the memory file `f`, about to happen: the
 * pending SIGKILL makes the kernel give up before it touches the target's pages (the page walk
 * of access_remote_vm() stops at a fatal signal, also in an io_uring worker of the process). */
static __always_inline int mem_write_enforce(struct task_struct *cur, enum th_syscall syscall,
                                             enum th_abi abi, struct file *f, __s32 fd,
                                             __u64 bytes, enum th_via via) {
  const struct th_interest *in = kill_interest();
  if (!in || !th_interest_wants_syscall(in, syscall)) return 0;
  struct enforce_scratch *sc = mem_file_facts(cur, f, syscall, abi, TH_KIND_MEM_WRITE, 0);
  if (!sc) return 0;
  sc->e.h.via = via;
  sc->e.point = TH_EP_ENTER;
  sc->e.fd = fd;
  sc->e.bytes = bytes;
  return enforce_act(cur, sc);
}

/* Entry of a write syscall into the memory file `f` (mem_write.bpf.h found it behind the
 * descriptor). */
static __noinline int on_mem_write_enforce(struct task_struct *cur, struct pt_regs *regs,
                                           enum th_syscall syscall, enum th_abi abi,
                                           struct file *f) {
  __u8 truncated = 0;
  __u64 bytes;
  if (syscall == TH_SC_WRITEV || syscall == TH_SC_PWRITEV || syscall == TH_SC_PWRITEV2)
    bytes = iovec_bytes(sc_arg(regs, abi, 1), sc_arg(regs, abi, 2), abi, &truncated);
  else
    bytes = sc_arg(regs, abi, 2);
  return mem_write_enforce(cur, syscall, abi, f, (__s32)th_fd_arg(sc_arg(regs, abi, 0)), bytes,
                           TH_VIA_SYSCALL);
}

/* An open of the memory file `f` that succeeded (`ret`: the descriptor, or an io_uring open's
 * result): the descriptor dies with the caller, unused. */
static __always_inline int mem_open_enforce(struct task_struct *cur, enum th_syscall syscall,
                                            enum th_abi abi, struct file *f, long ret,
                                            enum th_via via) {
  int write = (BPF_CORE_READ(f, f_flags) & TH_O_ACCMODE) != 0;
  const struct th_interest *in = kill_interest();
  if (!in || !th_interest_wants_mem_open(in, syscall, write)) return 0;
  struct enforce_scratch *sc = mem_file_facts(cur, f, syscall, abi,
                                              write ? TH_KIND_MEM_OPEN_WRITE : TH_KIND_MEM_OPEN_READ,
                                              ret);
  if (!sc) return 0;
  sc->e.h.via = via;
  fact_set(&sc->f, TH_EF_OPEN_WRITE, write);
  sc->e.point = TH_EP_EXIT;
  sc->e.fd = (__s32)ret;
  sc->e.open_flags = BPF_CORE_READ(f, f_flags);
  return enforce_act(cur, sc);
}

/* Exit of an open syscall of the memory file `f`. */
static __noinline int on_mem_open_enforce(struct task_struct *cur, enum th_syscall syscall,
                                          enum th_abi abi, struct file *f, long ret) {
  return mem_open_enforce(cur, syscall, abi, f, ret, TH_VIA_SYSCALL);
}

/* Completion of an io_uring open request of the memory file `f`. */
static __noinline int iou_mem_open_enforce(struct task_struct *cur, enum th_syscall syscall,
                                           struct file *f, long ret) {
  return mem_open_enforce(cur, syscall, TH_ABI_X64, f, ret, TH_VIA_IO_URING);
}

/* The syscalls enforcement looks at on entry (besides the writes mem_write.bpf.h watches). */
static __always_inline int is_enforce_enter_syscall(enum th_syscall sc) {
  return enforce_mode != 0 && (sc == TH_SC_PTRACE || sc == TH_SC_PROCESS_VM_WRITEV);
}

static __always_inline int on_enforce_enter(struct task_struct *cur, struct pt_regs *regs,
                                            enum th_syscall sc, enum th_abi abi) {
  if (sc == TH_SC_PTRACE) return on_ptrace_enter(cur, regs, abi);
  if (sc == TH_SC_PROCESS_VM_WRITEV) return on_vm_write_enter(cur, regs, abi);
  return 0;
}

#endif /* TRACEHOUND_ENFORCE_BPF_H */
