/* pidfd_getfd(2): a descriptor taken from another process. The record names the process it was
 * taken from (the pidfd's), the descriptor number there, and what the file is: a process memory
 * file (and whose) is recognised by what the file is, as the write hooks do, so that the taker of
 * a debugger's or a helper's memory-file descriptor is on record before it writes anything.
 * Part of tracehound.bpf.c, included once from it after mem_file.bpf.h and build_path().
 *
 * Looked at when the call returns: the new descriptor is then in the caller's table. Cost: none
 * on other syscalls beyond the exit hook's number check; pidfd_getfd itself is rare. */
#ifndef TRACEHOUND_FD_TAKE_BPF_H
#define TRACEHOUND_FD_TAKE_BPF_H

/* Pipes and sockets have no path: their dentries' names are made up when printed (d_dname),
 * "pipe:[ino]" and "socket:[ino]" in /proc/PID/fd; rendered the same here. 0 for other files. */
static __always_inline __u16 pseudo_file_name(struct file *f, char *out) {
  static const char pipe_fmt[] = "pipe:[%lu]";
  static const char socket_fmt[] = "socket:[%lu]";
  struct inode *inode = BPF_CORE_READ(f, f_inode);
  __u64 ino = BPF_CORE_READ(inode, i_ino);
  unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
  long n = 0;
  if (magic == TH_PIPEFS_MAGIC)
    n = bpf_snprintf(out, TH_PATH_LEN, pipe_fmt, &ino, sizeof(ino));
  else if (magic == TH_SOCKFS_MAGIC)
    n = bpf_snprintf(out, TH_PATH_LEN, socket_fmt, &ino, sizeof(ino));
  return n > 0 && n <= TH_PATH_LEN ? (__u16)(n - 1) : 0; /* n counts the NUL */
}

/* What the taken file is: memory file or not, whose, and its path. */
static __always_inline void describe_taken_file(struct th_fd_take_event *e, struct file *f,
                                                struct task_struct *cur, __s32 tgid) {
  e->is_mem_file = 0;
  e->mem_pid = e->mem_tid = 0;
  e->path_len = 0;
  e->path_truncated = 0;
  if (!f) return;
  if (is_proc_mem_file(f)) {
    struct th_target owner;
    mem_file_target(&owner, f, cur, tgid);
    e->is_mem_file = 1;
    e->mem_pid = owner.pid;
    e->mem_tid = owner.tid;
  }
  e->path_len = pseudo_file_name(f, e->path);
  if (e->path_len) return;
  struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
  __u8 truncated = 0;
  e->path_len = build_path(d, BPF_CORE_READ(f, f_path.mnt), e->path, &truncated);
  e->path_truncated = truncated;
}

/* Exit of pidfd_getfd(pidfd, targetfd, flags) in any ABI: `ret` is the new descriptor. The kill
 * point for a taken memory-file descriptor would go here, after describe_taken_file(). */
static __noinline int on_pidfd_getfd(struct task_struct *cur, struct pt_regs *regs,
                                     enum th_abi abi, long ret) {
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == ignore_tgid) return 0;
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_syscall(in, TH_SC_PIDFD_GETFD)) {
    count(TH_KIND_FD_TAKE, COUNT_FILTERED);
    return 0;
  }
  __u32 pidfd = th_fd_arg(sc_arg(regs, abi, 0));
  struct file *pf = fd_file(cur, pidfd);
  struct pid *pid = pf ? th_pidfd_pid(pf) : 0;
  struct file *taken = ret >= 0 ? fd_file(cur, (__u32)ret) : 0;
  int mem = taken && is_proc_mem_file(taken);
  struct flood_ticket ft;
  if (!flood_admit(&ft, TH_KIND_FD_TAKE, mem, pid ? BPF_CORE_READ(pid, numbers[0].nr) : 0, ret))
    return 0;
  struct th_fd_take_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, cur, TH_KIND_FD_TAKE, TH_SC_PIDFD_GETFD, abi, ret);
  __builtin_memset(&e->t, 0, sizeof(e->t));
  if (pid) target_from_pid(&e->t, pid, cur, tgid, TH_RESOLVED_PIDFD);
  e->target_fd = (__s32)th_fd_arg(sc_arg(regs, abi, 1));
  e->pidfd = (__s32)pidfd;
  e->pad = 0;
  describe_taken_file(e, taken, cur, tgid);
  submit(e, &ft);
  return 0;
}

#endif /* TRACEHOUND_FD_TAKE_BPF_H */
