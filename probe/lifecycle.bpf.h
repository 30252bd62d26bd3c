/* Process lifecycle (fork, exec, exit): always flows, whatever the rules want, since the
 * process table follows every process. Included from tracehound.bpf.c, after everything the exec
 * program uses (exec_fds.bpf.h, exec_trust.bpf.h). */
#ifndef TRACEHOUND_LIFECYCLE_BPF_H
#define TRACEHOUND_LIFECYCLE_BPF_H

/* The syscall the current thread is in, from its saved registers. */
static __always_inline enum th_syscall current_syscall(struct task_struct *cur, struct pt_regs *regs,
                                                       enum th_abi *abi) {
  long nr = th_syscall_nr(BPF_CORE_READ(regs, orig_ax));
  *abi = th_abi_of(nr, th_in_ia32_syscall(cur));
  return th_syscall_of(nr, *abi);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(th_fork, struct task_struct *parent, struct task_struct *child) {
  if (th_task_is_kthread(child)) return 0;
  struct task_struct *cur = bpf_get_current_task_btf();
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
  enum th_abi abi = TH_ABI_X64;
  enum th_syscall sc = current_syscall(cur, regs, &abi);
  __s32 child_tgid = BPF_CORE_READ(child, tgid);
  __u64 flags = 0;
  switch (sc) {
    case TH_SC_CLONE: flags = th_clone_flags_arg(sc_arg(regs, abi, 0)); break;
    case TH_SC_CLONE3: bpf_probe_read_user(&flags, sizeof(flags), (void *)sc_arg(regs, abi, 0)); break;
    case TH_SC_FORK: flags = TH_SIGCHLD; break;
    case TH_SC_VFORK: flags = TH_CLONE_VFORK | TH_CLONE_VM | TH_SIGCHLD; break;
    default: /* created by the kernel on a process's behalf (io_uring workers...) */
      sc = TH_SC_CLONE;
      flags = child_tgid == BPF_CORE_READ(parent, tgid) ? TH_CLONE_THREAD : 0;
  }
  struct flood_ticket ft = lifecycle_ticket(TH_KIND_FORK);
  struct th_fork_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  __s32 child_vnr = pid_nr_in(BPF_CORE_READ(child, thread_pid), task_ns_pos(cur));
  fill_header(&e->h, cur, TH_KIND_FORK, sc, abi, child_vnr);
  e->child_pid = child_tgid;
  e->child_tid = BPF_CORE_READ(child, pid);
  e->clone_flags = flags;
  submit(e, &ft);
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(th_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm) {
  struct task_struct *cur = bpf_get_current_task_btf();
  /* The ABI of the exec call is lost by now (see th_exec_named_by_fd): reported as x86-64. */
  enum th_syscall sc = th_exec_named_by_fd(bprm) ? TH_SC_EXECVEAT : TH_SC_EXECVE;
  struct flood_ticket ft = lifecycle_ticket(TH_KIND_EXEC);
  __u32 zero = 0;
  struct th_exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
  if (!e) return 0;
  fill_header(&e->h, cur, TH_KIND_EXEC, sc, TH_ABI_X64, 0);
  /* exe: what /proc/<pid>/exe shows (the interpreter for a script); memfd: the file named. */
  struct file *file = BPF_CORE_READ(bprm, file);
  struct file *named_file = th_exec_named_file(bprm);
  struct dentry *named = BPF_CORE_READ(named_file, f_path.dentry);
  char prefix[6] = {};
  bpf_probe_read_kernel(prefix, sizeof(prefix), BPF_CORE_READ(named, d_name.name));
  e->exe_from_memfd = prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' &&
                      prefix[3] == 'f' && prefix[4] == 'd' && prefix[5] == ':';
  __u8 truncated = 0;
  e->exe_len = build_path(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
                          e->exe, &truncated);
  e->exe_truncated = truncated;
  struct mm_struct *mm = BPF_CORE_READ(cur, mm);
  __u64 start = BPF_CORE_READ(mm, arg_start);
  __u64 end = BPF_CORE_READ(mm, arg_end);
  __u64 len = end > start ? end - start : 0;
  e->args_truncated = len > TH_ARGS_LEN;
  if (len > TH_ARGS_LEN) len = TH_ARGS_LEN;
  barrier_var(len);
  if (len > 0 && len <= TH_ARGS_LEN && bpf_probe_read_user(e->args, len, (void *)start) == 0)
    e->args_len = len;
  else
    e->args_len = 0;
  struct kernfs_node *kn = th_task_cgroup_kn(cur);
  struct kernfs_node *parent = kn ? th_kn_parent(kn) : NULL;
  e->cgroup_leaf[0] = 0;
  e->cgroup_parent[0] = 0;
  if (kn && parent) {
    bpf_probe_read_kernel_str(e->cgroup_leaf, sizeof(e->cgroup_leaf), BPF_CORE_READ(kn, name));
    if (th_kn_parent(parent))
      bpf_probe_read_kernel_str(e->cgroup_parent, sizeof(e->cgroup_parent),
                                BPF_CORE_READ(parent, name));
  }
  e->fileless_fds = fileless_fds(cur);
  exec_identity(e, file, cur);
  __u64 size = offsetof(struct th_exec_event, args) + e->args_len;
  if (size > sizeof(*e)) size = sizeof(*e);
  output_lifecycle(&ft, e, size);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(th_exit, struct task_struct *task) {
  if (!th_exit_is_group_dead(task) || th_task_is_kthread(task)) return 0;
  struct flood_ticket ft = lifecycle_ticket(TH_KIND_EXIT);
  struct th_exit_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  __u32 status = BPF_CORE_READ(task, exit_code);
  fill_header(&e->h, bpf_get_current_task_btf(), TH_KIND_EXIT, TH_SC_NONE, TH_ABI_X64, status);
  e->status = status;
  submit(e, &ft);
  return 0;
}

#endif /* TRACEHOUND_LIFECYCLE_BPF_H */
