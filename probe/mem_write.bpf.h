/* Writes into process memory files: write, pwrite64, writev, pwritev, pwritev2, in every ABI.
 * The descriptor may have come from anywhere (opened by the writer, inherited across fork or
 * exec, received over a unix socket, taken with pidfd_getfd, duplicated): the probe looks at the
 * file behind it in the writer's descriptor table, so how the writer got it does not matter.
 * Part of tracehound.bpf.c, included once from it after mem_file.bpf.h, build_path() and the
 * argument readers.
 *
 * Looked at twice, at entry and at exit. The kernel takes its reference to the file right after
 * entry (fdget) and keeps it while it writes; another thread can meanwhile dup2() a harmless file
 * onto the descriptor number, so that the table shows that file at exit. A memory file seen at
 * entry is kept in the thread's task storage until the exit, which reports it even if the table
 * changed (the kernel's last reference to a replaced file is only dropped after the exit
 * tracepoint, by task work on the way back to user space, so the pointer is still good). A
 * memory file swapped in between entry and the kernel's lookup is seen at exit. Winning would
 * take one swap in the nanoseconds before fdget and another before the exit, and every miss of
 * the first is reported.
 *
 * Cost on every other write: one interest lookup and, when some rule wants memory-file writes,
 * the descriptor table walk (files -> fdt -> fd[n]) plus two reads of the file's operations, at
 * entry and again at exit, all plain loads but one (mem_file.bpf.h); the task storage is only
 * looked at while some thread has a memory-file write in flight (bench/RESULTS.md, "dd bs=1"). */
#ifndef TRACEHOUND_MEM_WRITE_BPF_H
#define TRACEHOUND_MEM_WRITE_BPF_H

/* A memory file a thread's write syscall started with, until the syscall returns. */
struct pending_write {
  __u64 file; /* struct file *, 0 when none */
};
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct pending_write);
} pending_writes SEC(".maps");

/* How many threads have a memory file in pending_writes: while none has, which is nearly always,
 * the exit of a write skips the task-storage lookup (a helper call on every write). A count left
 * too high (an exit never seen) only brings the lookup back. */
__u64 pending_write_count = 0;

static __always_inline int is_write_syscall(enum th_syscall sc) {
  return sc == TH_SC_WRITE || sc == TH_SC_PWRITE64 || sc == TH_SC_WRITEV ||
         sc == TH_SC_PWRITEV || sc == TH_SC_PWRITEV2;
}

static __always_inline int is_vectored_write(enum th_syscall sc) {
  return sc == TH_SC_WRITEV || sc == TH_SC_PWRITEV || sc == TH_SC_PWRITEV2;
}

/* Where the write started in the target's address space (a memory file's offset is an address).
 * pwrite64/pwritev/pwritev2 name it; write, writev and pwritev2 with offset -1 use the file
 * position, which the successful call has moved on by the bytes it wrote. */
static __always_inline __u64 write_offset(struct pt_regs *regs, enum th_syscall sc, enum th_abi abi,
                                          struct file *f, long ret, __u8 *from_file) {
  if (sc == TH_SC_PWRITE64 || sc == TH_SC_PWRITEV || sc == TH_SC_PWRITEV2) {
    __u64 pos = th_pos_arg(reg_value(regs, th_arg_reg(abi, 3)), reg_value(regs, th_arg_reg(abi, 4)),
                           abi == TH_ABI_IA32);
    if (sc != TH_SC_PWRITEV2 || (__s64)pos != -1) {
      *from_file = 0;
      return pos;
    }
  }
  *from_file = 1;
  __u64 pos = BPF_CORE_READ(f, f_pos);
  return ret > 0 ? pos - (__u64)ret : pos;
}

/* The memory file behind the write's descriptor, or NULL; checks the interest first. Whether
 * the writer is tracehound itself is asked last, of memory files only: it takes a helper call,
 * which every other write would pay. */
static __always_inline struct file *wanted_mem_file(struct task_struct *cur, struct pt_regs *regs,
                                                    enum th_syscall sc, enum th_abi abi) {
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_syscall(in, sc)) return 0; /* before touching the file */
  struct file *f = fd_file(cur, th_fd_arg(sc_arg(regs, abi, 0)));
  if (!f || !is_proc_mem_file(f)) return 0;
  return (__s32)(bpf_get_current_pid_tgid() >> 32) == ignore_tgid ? 0 : f;
}

/* Entry of a write syscall: remember a memory file the descriptor stands for now. */
static __noinline int on_write_enter(struct task_struct *cur, struct pt_regs *regs,
                                     enum th_syscall sc, enum th_abi abi) {
  struct file *f = wanted_mem_file(cur, regs, sc, abi);
  if (!f) return 0;
  if (enforce_mode != 0) on_mem_write_enforce(cur, regs, sc, abi, f);
  struct pending_write *p =
      bpf_task_storage_get(&pending_writes, cur, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!p) return 0;
  if (!p->file) __sync_fetch_and_add(&pending_write_count, 1);
  p->file = (__u64)f;
  return 0;
}

/* The memory file the write went to: the one seen at entry, else the one behind the descriptor
 * now; NULL when neither is one. Clears what the entry kept. */
static __always_inline struct file *written_mem_file(struct task_struct *cur, struct pt_regs *regs,
                                                     enum th_syscall sc, enum th_abi abi) {
  struct file *now = wanted_mem_file(cur, regs, sc, abi);
  if (!pending_write_count) return now;
  struct pending_write *p = bpf_task_storage_get(&pending_writes, cur, 0, 0);
  struct file *then = p ? (struct file *)p->file : 0;
  if (then) {
    p->file = 0;
    __sync_fetch_and_sub(&pending_write_count, 1);
  }
  return then ? then : now;
}

/* A write into the memory file `f` (written_mem_file()'s) has returned `ret`. */
static __always_inline int on_mem_write(struct task_struct *cur, struct pt_regs *regs,
                                        enum th_syscall sc, enum th_abi abi, struct file *f,
                                        long ret) {
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u32 fd = th_fd_arg(sc_arg(regs, abi, 0));
  struct flood_ticket ft;
  if (!flood_admit(&ft, TH_KIND_MEM_WRITE, 0, mem_file_tid(f), ret)) return 0;
  struct th_mem_write_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, cur, TH_KIND_MEM_WRITE, sc, abi, ret);
  mem_file_target(&e->t, f, cur, tgid);
  __u8 from_file = 0, truncated = 0;
  e->offset = write_offset(regs, sc, abi, f, ret, &from_file);
  e->offset_from_file = from_file;
  e->fd = (__s32)fd;
  if (is_vectored_write(sc)) {
    __u64 count = sc_arg(regs, abi, 2);
    e->bytes = iovec_bytes(sc_arg(regs, abi, 1), count, abi, &truncated);
    e->iovcnt = (__u32)count;
  } else {
    e->bytes = sc_arg(regs, abi, 2);
    e->iovcnt = 0;
  }
  e->bytes_truncated = truncated;
  e->pad[0] = e->pad[1] = e->pad[2] = 0;
  record_file_path(f, e->path, &e->path_len, &e->path_truncated);
  submit(e, &ft);
  return 0;
}

#endif /* TRACEHOUND_MEM_WRITE_BPF_H */
