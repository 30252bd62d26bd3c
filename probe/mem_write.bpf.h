/* Writes into process memory files: write, pwrite64, writev, pwritev, pwritev2, in every ABI.
 * The descriptor may have come from anywhere (opened by the writer, inherited across fork or
 * exec, received over a unix socket, taken with pidfd_getfd, duplicated): the probe looks at the
 * file behind it in the writer's descriptor table when the call returns, so how the writer got
 * it does not matter. Part of tracehound.bpf.c, included once from it after mem_file.bpf.h,
 * build_path() and the argument readers.
 *
 * Cost on every other write: one interest lookup and, when some rule wants memory-file writes,
 * the descriptor table walk (files -> fdt -> fd[n]) plus two reads of the file's operations
 * (bench/RESULTS.md, "dd bs=1"). */
#ifndef TRACEHOUND_MEM_WRITE_BPF_H
#define TRACEHOUND_MEM_WRITE_BPF_H

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

static __noinline int on_mem_write(struct task_struct *cur, struct pt_regs *regs,
                                   enum th_syscall sc, enum th_abi abi, long ret) {
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_syscall(in, sc)) return 0; /* before touching the file */
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == ignore_tgid) return 0;
  __u32 fd = th_fd_arg(sc_arg(regs, abi, 0));
  struct file *f = fd_file(cur, fd);
  if (!f || !is_proc_mem_file(f)) return 0;
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
  e->path_len = build_path(BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), e->path,
                           &truncated);
  e->path_truncated = truncated;
  submit(e, &ft);
  return 0;
}

#endif /* TRACEHOUND_MEM_WRITE_BPF_H */
