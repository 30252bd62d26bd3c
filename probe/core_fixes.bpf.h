/* Everything in the probe that depends on the kernel version or on kernel internals that are not
 * described by BTF (macros, optional fields, optional kfuncs), in one place. The rest of the BPF
 * program only calls these helpers. All reads are CO-RE relocated. Each entry that follows a
 * change of the kernel names the commit (upstream subject, and the first release with it), so
 * that the fallback can be dropped once the oldest supported kernel has the change. */
#ifndef TRACEHOUND_CORE_FIXES_BPF_H
#define TRACEHOUND_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* Macros from kernel headers (stable ABI values, not in BTF). */
#define TH_TS_COMPAT 0x0002          /* arch/x86/include/asm/thread_info.h: ia32 syscall active */
#define TH_PF_KTHREAD 0x00200000     /* include/linux/sched.h */
#define TH_PROC_SUPER_MAGIC 0x9fa0   /* include/uapi/linux/magic.h */
#define TH_PID_FS_MAGIC 0x50494446   /* include/uapi/linux/magic.h ("PIDF") */
#define TH_ANON_INODE_FS_MAGIC 0x09041934
#define TH_PIPEFS_MAGIC 0x50495045
#define TH_SOCKFS_MAGIC 0x534F434B
#define TH_O_ACCMODE 3
#define TH_SIGCHLD 17
#define TH_CLONE_VM 0x00000100ULL
#define TH_CLONE_VFORK 0x00004000ULL
#define TH_CLONE_THREAD 0x00010000ULL

/* Task kfuncs, resolved by libbpf at load time. Weak: on kernels without them the calls are
 * dead code (the existence test below is a load-time constant) and the program still loads.
 *  - bpf_task_from_pid(), bpf_task_release(): commit 3f0e6f2b41d3 ("bpf: Add
 *    bpf_task_from_pid() kfunc"), v6.2.
 *  - bpf_task_from_vpid(): commit 675c3596ff32 ("bpf: Add bpf_task_from_vpid() kfunc"), v6.13.
 *  - Only BPF_PROG_TYPE_TRACING (tp_btf) programs may call them on every kernel that has them;
 *    tracepoint programs since commit bc638d8cb5be ("bpf: allow kfuncs within tracepoint and
 *    perf event programs"), v6.12. The loader retries without them when a per-syscall load is refused. */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern struct task_struct *bpf_task_from_vpid(s32 vpid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

/* bpf_rdonly_cast(): commit a35b9af4ec2c ("bpf: Add a kfunc for generic type cast"), v6.2. Turns
 * a kernel address held as a number into a read-only BTF-typed pointer, so that reading its
 * fields is a plain load instead of a helper call (the verifier inlines the cast). Weak, like the
 * task kfuncs, and used only where they are (the loader's use_task_kfuncs). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* libbpf 1.1 has no bpf_ksym_exists(); a weak ksym that was not found reads as 0. */
#define th_ksym_exists(sym) (!!(sym))

/* Is the thread inside an ia32 syscall (int 0x80, sysenter, 32-bit syscall)? The kernel sets
 * TS_COMPAT on entry and clears it only on the way back to user space, after the sys_exit
 * tracepoint has run. TS_COMPAT lives in thread_info.status on x86 since v4.x; the field check
 * keeps the program loadable on builds whose thread_info lacks it (it then reads "not ia32"). */
static __always_inline int th_in_ia32_syscall(struct task_struct *task) {
  if (!bpf_core_field_exists(task->thread_info.status)) return 0;
  /* A direct (CO-RE relocated) load, not a helper call: `task` is the trusted pointer from
   * bpf_get_current_task_btf(), and this runs for common syscall numbers (fstat and munmap
   * share numbers with watched ia32 syscalls). */
  return (task->thread_info.status & TH_TS_COMPAT) != 0;
}

/* loginuid only exists with CONFIG_AUDIT (a build option, not a version). */
static __always_inline __u32 th_task_loginuid(struct task_struct *task) {
  if (!bpf_core_field_exists(task->loginuid)) return 0xffffffffu;
  return BPF_CORE_READ(task, loginuid.val);
}

/* At sched_process_exit: is this the last thread of its group? do_exit() decrements
 * signal->live before the tracepoint on every kernel; the tracepoint's own group_dead argument
 * is a recent addition (in v6.18, not in v6.1) and not used, so one program serves every kernel. Two threads dying at the
 * same instant may both see 0: the second procexit is then a duplicate, never a miss. */
static __always_inline int th_exit_is_group_dead(struct task_struct *task) {
  return BPF_CORE_READ(task, signal, live.counter) == 0;
}

/* kernfs_node lost `parent` for the RCU-protected `__parent` in commit 633488947ef6 ("kernfs: Use
 * RCU to access kernfs_node::parent."), v6.15; both spellings relocate. */
struct kernfs_node___old {
  struct kernfs_node *parent;
} __attribute__((preserve_access_index));
struct kernfs_node___new {
  struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *th_kn_parent(struct kernfs_node *kn) {
  if (bpf_core_field_exists(((struct kernfs_node___new *)kn)->__parent))
    return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
  return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* The kernfs node of the task's cgroup: the unified (v2) hierarchy's, unless the task sits at its
 * root (a v1-only host, or a runtime that leaves v2 alone), then the memory controller's. */
static __always_inline struct kernfs_node *th_task_cgroup_kn(struct task_struct *task) {
  struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
  if (kn && th_kn_parent(kn)) return kn;
  int memory = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
  if (memory < 0 || memory >= 16) return kn;
  return BPF_CORE_READ(task, cgroups, subsys[memory], cgroup, kn);
}

static __always_inline int th_task_is_kthread(struct task_struct *task) {
  return (BPF_CORE_READ(task, flags) & TH_PF_KTHREAD) != 0;
}

/* The struct pid a procfs inode stands for (/proc/<pid>/..., /proc/<pid>/task/<tid>/...). */
static __always_inline struct pid *th_proc_inode_pid(struct inode *inode) {
  struct proc_inode *pi =
      (struct proc_inode *)((char *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode));
  return BPF_CORE_READ(pi, pid);
}

/* The struct pid behind a pidfd, NULL when `f` is not one. Since commit cb12fd8e0dab ("pidfd:
 * add pidfs", v6.9) a pidfd is a pidfs file whose inode keeps the pid in i_private; before, it
 * was an anonymous-inode file keeping it in private_data (kernel/pid.c, pidfd_pid()). Checked by
 * the file system, so that a descriptor swapped onto the number meanwhile gives NULL, not
 * whatever another file keeps there. */
static __always_inline struct pid *th_pidfd_pid(struct file *f) {
  struct inode *inode = BPF_CORE_READ(f, f_inode);
  unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
  if (magic == TH_PID_FS_MAGIC) return (struct pid *)BPF_CORE_READ(inode, i_private);
  if (magic == TH_ANON_INODE_FS_MAGIC) return (struct pid *)BPF_CORE_READ(f, private_data);
  return 0;
}

/* At sched_process_exec the syscall number is gone: the ELF loader rewrites orig_ax to execve
 * (set_personality_64bit) and clears TS_COMPAT. What survives is how the file was named: a
 * file descriptor (fexecve, execveat(fd, "", AT_EMPTY_PATH) or a path relative to a dirfd) makes
 * the kernel build a /dev/fd/N path, kept in bprm->fdpath since commit "exec: Move
 * initialization of bprm->filename into alloc_bprm" (v5.9); before, only the filename string
 * shows it. execveat(AT_FDCWD, path) and execveat(fd, "/absolute") run exactly like execve and
 * are reported as execve. */
static __always_inline int th_exec_named_by_fd(struct linux_binprm *bprm) {
  if (bpf_core_field_exists(bprm->fdpath)) return BPF_CORE_READ(bprm, fdpath) != 0;
  char prefix[8] = {};
  bpf_probe_read_kernel_str(prefix, sizeof(prefix), BPF_CORE_READ(bprm, filename));
  return prefix[0] == '/' && prefix[1] == 'd' && prefix[2] == 'e' && prefix[3] == 'v' &&
         prefix[4] == '/' && prefix[5] == 'f' && prefix[6] == 'd';
}

/* The file the exec named (a script, or the binary itself): bprm->file is the interpreter when
 * a script runs. bprm->executable came with commit b8a61c9e7b4a ("exec: Generic execfd
 * support"), v5.8; before, file is all there is. */
static __always_inline struct file *th_exec_named_file(struct linux_binprm *bprm) {
  if (bpf_core_field_exists(bprm->executable)) {
    struct file *f = BPF_CORE_READ(bprm, executable);
    if (f) return f;
  }
  return BPF_CORE_READ(bprm, file);
}

/* struct mount embeds the struct vfsmount that files point to. */
static __always_inline struct mount *th_real_mount(struct vfsmount *mnt) {
  return (struct mount *)((char *)mnt - bpf_core_field_offset(struct mount, mnt));
}

/* d_unhashed(): a deleted file, or a pseudo file (memfd) that never had a name in a directory. */
static __always_inline int th_dentry_unhashed(struct dentry *d) {
  return BPF_CORE_READ(d, d_hash.pprev) == 0;
}

/* ---- io_uring (io_uring.bpf.h) ---- */

/* include/linux/sched.h: an io_uring thread (iou-wrk-N workers, iou-sqp-N submission poller),
 * created by the kernel inside the process it serves (same thread group, files and mm). */
#define TH_PF_IO_WORKER 0x00000010
/* io_kiocb.flags bits (io_uring/io_uring_types.h, an anonymous enum that bpf_core_enum_value
 * cannot name). The low eight mirror the uapi IOSQE_* flags, so REQ_F_FIXED_FILE is IOSQE_FIXED_FILE
 * (bit 0) on every kernel; REQ_F_CUR_POS ("use and advance the file position", offset -1) has
 * been bit 10 from v5.15 to v6.18. */
#define TH_REQ_F_FIXED_FILE (1ULL << 0)
#define TH_REQ_F_CUR_POS (1ULL << 10)
/* include/uapi/linux/io_uring.h: open into a free fixed-file slot chosen by the kernel. */
#define TH_IORING_FILE_INDEX_ALLOC 0xffffffffu
/* io_uring/filetable.h: the low bits of a fixed file's pointer are flags (FFS_NOWAIT, FFS_ISREG). */
#define TH_IOU_FFS_FLAGS 3UL

/* Before v6.13 the fixed-file table was an array of struct io_fixed_file { unsigned long
 * file_ptr; } with its length in ctx->nr_user_files; the io_rsrc_node rework of v6.13 gave
 * io_file_table an io_rsrc_data of node pointers, as vmlinux.h has it. Both relocate. The old
 * array is read as plain words: naming struct io_fixed_file, which newer kernels lack, would make
 * libbpf search the modules' BTF for it, which a container's seccomp profile refuses. */
struct io_file_table___old {
  unsigned long *files;
} __attribute__((preserve_access_index));
struct io_ring_ctx___old {
  struct io_file_table___old file_table;
  unsigned int nr_user_files;
} __attribute__((preserve_access_index));

/* The file in fixed-file slot `slot` of the ring `ctx`, NULL when the slot is empty or out of
 * range. */
static __always_inline struct file *th_iou_fixed_file(struct io_ring_ctx *ctx, __u32 slot) {
  unsigned long ptr = 0;
  if (bpf_core_field_exists(ctx->file_table.data)) {
    if (slot >= BPF_CORE_READ(ctx, file_table.data.nr)) return 0;
    struct io_rsrc_node **nodes = BPF_CORE_READ(ctx, file_table.data.nodes);
    struct io_rsrc_node *node = 0;
    bpf_probe_read_kernel(&node, sizeof(node), &nodes[slot]);
    if (!node) return 0;
    ptr = BPF_CORE_READ(node, file_ptr);
  } else {
    struct io_ring_ctx___old *old = (void *)ctx;
    if (slot >= BPF_CORE_READ(old, nr_user_files)) return 0;
    unsigned long *files = BPF_CORE_READ(old, file_table.files);
    bpf_probe_read_kernel(&ptr, sizeof(ptr), &files[slot]);
  }
  return (struct file *)(ptr & ~TH_IOU_FFS_FLAGS);
}

#endif /* TRACEHOUND_CORE_FIXES_BPF_H */
