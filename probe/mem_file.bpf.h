/* Process memory files (/proc/<pid>/mem, /proc/<pid>/task/<tid>/mem): recognising one behind a
 * descriptor, and the process it belongs to. Shared by the open and the write hooks. Part of
 * tracehound.bpf.c, included once from it after target.bpf.h and its options (mem_open_fns). */
#ifndef TRACEHOUND_MEM_FILE_BPF_H
#define TRACEHOUND_MEM_FILE_BPF_H

/* The file behind descriptor `fd` of `task`, NULL when there is none. `task` must be the trusted
 * pointer of bpf_get_current_task_btf(). This runs at every write of every process while a rule
 * wants memory-file writes, so the walk is plain loads through BTF-typed pointers (CO-RE
 * relocated like BPF_CORE_READ, checked by the kernel's fault handler, a null reads as 0) rather
 * than one helper call per step; only the descriptor array, a pointer to pointers the verifier
 * cannot type, takes a helper read. */
static __always_inline struct file *fd_file(struct task_struct *task, __u32 fd) {
  struct fdtable *fdt = task->files->fdt;
  if (!fdt || fd >= fdt->max_fds) return 0;
  struct file **fds = fdt->fd;
  struct file *f = 0;
  bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
  return f;
}

/* The open() of `f`'s file operations. With bpf_rdonly_cast() the two steps are plain loads
 * (see fd_file()); it is a kfunc, so only where the loader lets the programs call kfuncs. */
static __always_inline __u64 file_open_fn(struct file *f) {
  if (use_task_kfuncs && th_ksym_exists(bpf_rdonly_cast)) {
    struct file *typed = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
    return (__u64)typed->f_op->open;
  }
  return (__u64)BPF_CORE_READ(f, f_op, open);
}

/* Is `f` a process memory file, wherever procfs is mounted and whatever path reached it? By
 * what it is: its file operations' open is the kernel's mem_open (the address comes from
 * /proc/kallsyms; mem_open serves only these files, so two reads decide, which matters on the
 * write path). Without that address: a procfs file named "mem" whose inode stands for a pid,
 * which only the memory files are among files named "mem". */
static __always_inline int is_proc_mem_file(struct file *f) {
  if (mem_open_fns[0]) {
    __u64 open_fn = file_open_fn(f);
    for (int i = 0; i < TH_MEM_OPEN_FNS; i++)
      if (mem_open_fns[i] && open_fn == mem_open_fns[i]) return 1;
    return 0;
  }
  struct inode *inode = BPF_CORE_READ(f, f_inode);
  if (BPF_CORE_READ(inode, i_sb, s_magic) != TH_PROC_SUPER_MAGIC) return 0;
  char name[4] = {};
  bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
  return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 0 &&
         th_proc_inode_pid(inode) != 0;
}

/* Fills `t` with the process memory file `f` belongs to, as seen by the caller `cur` (thread
 * group `caller_tgid`): arg_pid is the pid in the caller's own namespace, whoever opened it. */
static __always_inline void mem_file_target(struct th_target *t, struct file *f,
                                            struct task_struct *cur, __s32 caller_tgid) {
  target_from_pid(t, th_proc_inode_pid(BPF_CORE_READ(f, f_inode)), cur, caller_tgid,
                  TH_RESOLVED_PROC_INODE);
}

/* The host tid a memory file stands for (the flood key's target). */
static __always_inline __s32 mem_file_tid(struct file *f) {
  struct pid *pid = th_proc_inode_pid(BPF_CORE_READ(f, f_inode));
  return BPF_CORE_READ(pid, numbers[0].nr);
}

#endif /* TRACEHOUND_MEM_FILE_BPF_H */
