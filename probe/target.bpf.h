/* Pids, pid namespaces and the target of an injection-kind call: the header every record
 * carries, whether the target descends from the caller, and how the target task is found (see
 * the order in tracehound.bpf.c's opening comment). Part of tracehound.bpf.c, included once from
 * it after its options (use_task_kfuncs) and limits (TH_MAX_ANCESTORS, TH_MAX_TRACEES). */
#ifndef TRACEHOUND_TARGET_BPF_H
#define TRACEHOUND_TARGET_BPF_H


struct ns_pos {
  unsigned int level;
  struct pid_namespace *ns;
};

/* The pid namespace `pid` is allocated in (its deepest level). */
static __always_inline struct ns_pos pid_ns_pos(struct pid *pid) {
  struct ns_pos pos = {};
  unsigned int level = BPF_CORE_READ(pid, level);
  struct upid up = {};
  bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
  pos.level = level;
  pos.ns = up.ns;
  return pos;
}

/* The number of `pid` as seen from namespace `at`, 0 when it is not visible there. */
static __always_inline __s32 pid_nr_in(struct pid *pid, struct ns_pos at) {
  unsigned int level = at.level; /* a plain local: CO-RE must not relocate the index */
  if (!pid || BPF_CORE_READ(pid, level) < level) return 0;
  struct upid up = {};
  bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
  return up.ns == at.ns ? up.nr : 0;
}

static __always_inline struct ns_pos task_ns_pos(struct task_struct *task) {
  return pid_ns_pos(BPF_CORE_READ(task, thread_pid));
}

static __always_inline void fill_header(struct th_header *h, struct task_struct *task, __u32 kind,
                                        __u32 sc, __u32 abi, __s64 res) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  h->ts_boot_ns = bpf_ktime_get_boot_ns();
  h->res = res;
  h->cgroup_id = bpf_get_current_cgroup_id();
  h->kind = kind;
  h->syscall = sc;
  h->abi = abi;
  h->via = TH_VIA_SYSCALL;
  h->pid = pid_tgid >> 32;
  h->tid = (__u32)pid_tgid;
  h->ppid = BPF_CORE_READ(task, real_parent, tgid);
  struct pid *tgid_pid = BPF_CORE_READ(task, group_leader, thread_pid);
  struct ns_pos own = pid_ns_pos(tgid_pid);
  h->vpid = pid_nr_in(tgid_pid, own);
  struct pid_namespace *ns = own.ns; /* not inside BPF_CORE_READ: ns_pos is ours */
  h->pidns = BPF_CORE_READ(ns, ns.inum);
  h->uid = (__u32)bpf_get_current_uid_gid();
  h->loginuid = th_task_loginuid(task);
  bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Is the thread group `caller_tgid` among `parent` and its ancestors? A global function (see
 * "Verifier cost" in tracehound.bpf.c): its loop is verified once per program, not again at
 * every target resolution. Its arguments must be scalars, so the walk starts from a parent
 * pointer read as a number, and goes on with helper reads. */
__noinline __u8 th_ancestors_include(__u64 parent, __s32 caller_tgid) {
  struct task_struct *p = (struct task_struct *)parent;
  for (int i = 0; i < TH_MAX_ANCESTORS; i++) {
    if (!p) return TH_TRI_UNKNOWN;
    __s32 tgid = BPF_CORE_READ(p, tgid);
    if (tgid == caller_tgid) return TH_TRI_YES;
    if (tgid <= 0) return TH_TRI_NO; /* reached the idle task: the root of every tree */
    p = BPF_CORE_READ(p, real_parent);
  }
  return TH_TRI_UNKNOWN;
}

/* Marks a header filled by fill_header() as an io_uring request's, acted by `task`: an io_uring
 * worker or polling thread (iou-wrk-N) is reported with its process's name, which is what the
 * thread acts for (and what the process table keeps as the process's name). */
static __always_inline void mark_io_uring(struct th_header *h, struct task_struct *task) {
  h->via = TH_VIA_IO_URING;
  if (BPF_CORE_READ(task, flags) & TH_PF_IO_WORKER)
    BPF_CORE_READ_STR_INTO(&h->comm, task, group_leader, comm);
}

/* Is the thread group `caller_tgid` an ancestor of `task`? */
static __always_inline __u8 is_descendant(struct task_struct *task, __s32 caller_tgid) {
  return th_ancestors_include((__u64)BPF_CORE_READ(task, real_parent), caller_tgid);
}

static __always_inline void target_from_task(struct th_target *t, struct task_struct *task,
                                             __s32 caller_tgid, __u8 how) {
  t->pid = BPF_CORE_READ(task, tgid);
  t->tid = BPF_CORE_READ(task, pid);
  t->is_descendant = is_descendant(task, caller_tgid);
  t->resolved_by = how;
}

/* Fills `t` for the task `pid` stands for (a memory file's, a pidfd's), as seen by the caller
 * `cur` (thread group `caller_tgid`): arg_pid is its number in the caller's namespace (0 when
 * not visible there); pid stays 0 when the task is gone. */
static __always_inline void target_from_pid(struct th_target *t, struct pid *pid,
                                            struct task_struct *cur, __s32 caller_tgid, __u8 how) {
  struct hlist_node *first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);
  t->tid = BPF_CORE_READ(pid, numbers[0].nr);
  t->arg_pid = pid_nr_in(pid, task_ns_pos(cur));
  t->pid = 0;
  t->is_descendant = TH_TRI_UNKNOWN;
  t->resolved_by = how;
  t->pad[0] = t->pad[1] = 0;
  if (first) {
    struct task_struct *task = (struct task_struct *)((char *)first -
        bpf_core_field_offset(struct task_struct, pid_links));
    t->pid = BPF_CORE_READ(task, tgid);
    t->is_descendant = is_descendant(task, caller_tgid);
  }
}

/* Looks for the tracee numbered `vnr` in the caller's namespace on the caller's tracee list. */
static __noinline int find_tracee(struct th_target *t, struct task_struct *cur, __s32 vnr,
                                  __s32 caller_tgid) {
  struct ns_pos at = task_ns_pos(cur);
  struct list_head *head = &cur->ptraced;
  struct list_head *pos = BPF_CORE_READ(cur, ptraced.next);
  for (int i = 0; i < TH_MAX_TRACEES; i++) {
    if (!pos || (__u64)pos == (__u64)head) return 0;
    struct task_struct *tracee =
        (struct task_struct *)((char *)pos - bpf_core_field_offset(struct task_struct, ptrace_entry));
    if (pid_nr_in(BPF_CORE_READ(tracee, thread_pid), at) == vnr) {
      target_from_task(t, tracee, caller_tgid, TH_RESOLVED_TRACEE);
      return 1;
    }
    pos = BPF_CORE_READ(tracee, ptrace_entry.next);
  }
  return 0;
}

/* Fills `t` for the task the caller named `vnr` (see the comment at the top for the order). */
static __noinline void resolve_target(struct th_target *t, struct task_struct *cur, __s32 vnr,
                                      __s32 caller_tgid) {
  t->arg_pid = vnr;
  if (vnr <= 0) return;
  if (use_task_kfuncs && th_ksym_exists(bpf_task_from_vpid) && th_ksym_exists(bpf_task_release)) {
    struct task_struct *task = bpf_task_from_vpid(vnr);
    if (task) {
      target_from_task(t, task, caller_tgid, TH_RESOLVED_VPID_KFUNC);
      bpf_task_release(task);
    }
    return;
  }
  if (find_tracee(t, cur, vnr, caller_tgid)) return;
  if (task_ns_pos(cur).level != 0) return;
  if (use_task_kfuncs && th_ksym_exists(bpf_task_from_pid) && th_ksym_exists(bpf_task_release)) {
    struct task_struct *task = bpf_task_from_pid(vnr);
    if (task) {
      target_from_task(t, task, caller_tgid, TH_RESOLVED_ROOT_PID);
      bpf_task_release(task);
    }
    return;
  }
  t->tid = vnr;
  t->resolved_by = TH_RESOLVED_ROOT_PID;
}

#endif /* TRACEHOUND_TARGET_BPF_H */
