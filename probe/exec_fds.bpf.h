/* Fileless code reaching a program through an inherited descriptor: `ld.so /proc/self/fd/N`,
 * `python3 /dev/fd/N`. The kernel executes the loader or the interpreter, a file on disk; the code
 * comes from descriptor N, a memfd or a deleted file. At sched_process_exec the close-on-exec
 * descriptors are gone already (begin_new_exec), so what is left is exactly what the new
 * program inherited. Included from tracehound.bpf.c. */
#ifndef TRACEHOUND_EXEC_FDS_BPF_H
#define TRACEHOUND_EXEC_FDS_BPF_H

#define TH_S_IFMT 00170000
#define TH_S_IFREG 0100000
#define TH_ANON_INODE_FS_MAGIC 0x09041934 /* include/uapi/linux/magic.h */
#define TH_FILELESS_FDS 64                /* descriptors 0..63 are looked at */

/* A regular file without a name: a memfd, an O_TMPFILE file, or a file deleted since it was
 * opened. Pipes and sockets are unhashed too, hence the file-type test. */
static __always_inline int is_fileless_file(struct file *f) {
  struct inode *inode = BPF_CORE_READ(f, f_inode);
  if ((BPF_CORE_READ(inode, i_mode) & TH_S_IFMT) != TH_S_IFREG) return 0;
  if (BPF_CORE_READ(inode, i_sb, s_magic) == TH_ANON_INODE_FS_MAGIC) return 0;
  return th_dentry_unhashed(BPF_CORE_READ(f, f_path.dentry));
}

/* Bit n set: descriptor n of `task` is a fileless file. Only open descriptors are read: the
 * first word of the table's open_fds bitmap names them (a new program has a few of the 64), so
 * the others cost no helper read. At exec the table is the program's own (exec unshares it) and
 * its single thread is here, so nothing changes it meanwhile. */
static __always_inline __u64 fileless_fds(struct task_struct *task) {
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return 0;
  __u32 max = BPF_CORE_READ(fdt, max_fds);
  struct file **fds = BPF_CORE_READ(fdt, fd);
  unsigned long *open_fds = BPF_CORE_READ(fdt, open_fds);
  __u64 open = 0;
  bpf_core_read(&open, sizeof(open), open_fds);
  __u64 bits = 0;
  for (int i = 0; i < TH_FILELESS_FDS; i++) {
    if (i >= max || !(open >> i)) break;
    if (!((open >> i) & 1)) continue;
    struct file *f = 0;
    bpf_core_read(&f, sizeof(f), &fds[i]);
    if (f && is_fileless_file(f)) bits |= 1ULL << i;
  }
  return bits;
}

#endif /* TRACEHOUND_EXEC_FDS_BPF_H */
