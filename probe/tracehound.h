/* The records the BPF program writes into the ring buffer, and the shapes of the maps the loader
 * reads and writes. Flat and pointer-free: the same bytes are read by the kernel side (compiled
 * against vmlinux.h) and by the C++ loader. Every layout is pinned by the asserts at the end, so a
 * change on one side that the other does not see fails to compile on both. */
#ifndef TRACEHOUND_PROBE_H
#define TRACEHOUND_PROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TH_COMM_LEN 16
#define TH_PATH_LEN 512  /* exe path / memory-file path, truncated from the left when longer */
#define TH_ARGS_LEN 2048 /* argv bytes (NUL-separated), truncated when longer */
#define TH_CGROUP_NAME_LEN 128 /* one cgroup directory name, NUL-terminated */
/* Addresses of the kernel's mem_open() the probe compares file operations against (the loader
 * falls back to recognising memory files by name when kallsyms lists more). */
#define TH_MEM_OPEN_FNS 4

/* What a record is about. Also the index of the per-kind counters and the `kind` metric label. */
enum th_kind {
  TH_KIND_PTRACE = 0,
  TH_KIND_VM_WRITE = 1,       /* process_vm_writev */
  TH_KIND_VM_READ = 2,        /* process_vm_readv */
  TH_KIND_MEM_OPEN_WRITE = 3, /* open of a process memory file with O_WRONLY or O_RDWR */
  TH_KIND_MEM_OPEN_READ = 4,  /* ... read-only */
  TH_KIND_FORK = 5,
  TH_KIND_EXEC = 6,
  TH_KIND_EXIT = 7,
  TH_KIND_MEM_WRITE = 8,      /* write(2) and kin into a process memory file */
  TH_KIND_FD_TAKE = 9,        /* pidfd_getfd: a descriptor taken from another process */
  TH_KIND_COUNT = 10,
};

/* Which system call produced a record (the numbers differ per ABI, see syscall_abi.h). */
enum th_syscall {
  TH_SC_NONE = 0,
  TH_SC_PTRACE = 1,
  TH_SC_PROCESS_VM_READV = 2,
  TH_SC_PROCESS_VM_WRITEV = 3,
  TH_SC_OPEN = 4,
  TH_SC_OPENAT = 5,
  TH_SC_OPENAT2 = 6,
  TH_SC_EXECVE = 7,
  TH_SC_EXECVEAT = 8,
  TH_SC_CLONE = 9,
  TH_SC_CLONE3 = 10,
  TH_SC_FORK = 11,
  TH_SC_VFORK = 12,
  TH_SC_WRITE = 13,
  TH_SC_PWRITE64 = 14,
  TH_SC_WRITEV = 15,
  TH_SC_PWRITEV = 16,
  TH_SC_PWRITEV2 = 17,
  TH_SC_PIDFD_GETFD = 18,
  TH_SC_COUNT = 19,
};

/* The system-call ABI the caller used. */
enum th_abi {
  TH_ABI_X64 = 0,
  TH_ABI_IA32 = 1, /* int 0x80 / sysenter / 32-bit syscall, also from 64-bit code */
  TH_ABI_X32 = 2,
  TH_ABI_COUNT = 3,
};

/* How the operation reached the kernel: memory-file writes and opens can also be io_uring
 * requests (io_uring.bpf.h), which run no system call of their own; `syscall` then names the
 * system call the request stands for (IORING_OP_WRITE at an offset: pwrite64...). */
enum th_via {
  TH_VIA_SYSCALL = 0,
  TH_VIA_IO_URING = 1,
};

enum th_tri { TH_TRI_UNKNOWN = 0, TH_TRI_NO = 1, TH_TRI_YES = 2 };

/* How the kernel side found the target task (for diagnostics and tests). */
enum th_resolved_by {
  TH_RESOLVED_NONE = 0,        /* no target (PTRACE_TRACEME) or not found */
  TH_RESOLVED_VPID_KFUNC = 1,  /* bpf_task_from_vpid(): the caller's own pid namespace */
  TH_RESOLVED_TRACEE = 2,      /* found on the caller's list of tracees */
  TH_RESOLVED_ROOT_PID = 3,    /* caller in the initial pid namespace: host pid == argument */
  TH_RESOLVED_PROC_INODE = 4,  /* the struct pid behind a procfs inode */
  TH_RESOLVED_PIDFD = 5,       /* the struct pid behind a pidfd */
  TH_RESOLVED_COUNT = 6,
};

/* Common to every record: the acting thread, as the kernel saw it. */
struct th_header {
  __u64 ts_boot_ns; /* CLOCK_BOOTTIME; the loader converts to the epoch */
  __s64 res;        /* syscall return value; exit: the wait status */
  __u64 cgroup_id;
  __u32 pidns;      /* inode number of the actor's pid namespace */
  __u8 kind;        /* enum th_kind */
  __u8 syscall;     /* enum th_syscall */
  __u8 abi;         /* enum th_abi */
  __u8 via;         /* enum th_via: a system call, or an io_uring request */
  __s32 pid;        /* host tgid */
  __s32 tid;        /* host tid */
  __s32 ppid;       /* host tgid of the real parent */
  __s32 vpid;       /* tgid in the actor's pid namespace */
  __u32 uid;
  __u32 loginuid;   /* 0xffffffff when unset */
  char comm[TH_COMM_LEN];
};

/* The process an injection-kind syscall acts upon. */
struct th_target {
  __s32 pid;     /* host tgid, 0 when unresolved */
  __s32 tid;     /* host tid named by the call, 0 when unresolved */
  __s32 arg_pid; /* the pid as the caller named it (its own namespace) */
  __u8 is_descendant; /* enum th_tri: is the caller an ancestor of the target? */
  __u8 resolved_by;   /* enum th_resolved_by */
  __u8 pad[2];
};

struct th_ptrace_event {
  struct th_header h;
  struct th_target t;
  __s64 request;
  __u64 addr;
  __u64 data;
};

struct th_vm_event {
  struct th_header h;
  struct th_target t;
  __u64 bytes;         /* sum of the local iovec lengths (bounded, see bytes_truncated) */
  __u32 local_iovcnt;
  __u32 remote_iovcnt;
  __u8 bytes_truncated; /* more local iovecs than the kernel side sums */
  __u8 pad[7];
};

struct th_mem_open_event {
  struct th_header h;
  struct th_target t;
  __u32 flags;    /* the open file's f_flags */
  __u16 path_len; /* bytes of path used (no NUL) */
  __u8 path_truncated;
  __u8 pad;
  char path[TH_PATH_LEN];
};

/* A write into a process memory file, through whatever descriptor the writer holds (opened
 * itself, inherited, received over a socket, taken with pidfd_getfd, duplicated): the probe
 * recognises the file behind the descriptor at write time. */
struct th_mem_write_event {
  struct th_header h;   /* res: bytes written, or -errno */
  struct th_target t;   /* the process whose memory the file is */
  __u64 offset;         /* where in the target's address space the write starts */
  __u64 bytes;          /* bytes the caller asked to write (iovecs summed, bounded) */
  __s32 fd;             /* the descriptor written through */
  __u32 iovcnt;         /* writev family: number of iovecs; 0 otherwise */
  __u16 path_len;       /* bytes of path used (no NUL) */
  __u8 bytes_truncated; /* more iovecs than the kernel side sums */
  __u8 path_truncated;
  __u8 offset_from_file; /* the offset is the file position (write, writev, pwritev2 at -1) */
  __u8 pad[3];
  char path[TH_PATH_LEN];
};

/* pidfd_getfd(pidfd, targetfd, flags): the caller took a copy of descriptor `target_fd` of the
 * process behind `pidfd`. res is the new descriptor in the caller, or -errno. What the taken
 * file is comes from the caller's new descriptor (recognised as memory_write does: by what the
 * file is, not by its name). */
struct th_fd_take_event {
  struct th_header h;
  struct th_target t;  /* the process the descriptor was taken from */
  __s32 target_fd;     /* the descriptor number in the target's table */
  __s32 pidfd;         /* the caller's pidfd */
  __u8 is_mem_file;    /* the taken file is a process memory file */
  __u8 path_truncated;
  __u16 path_len;      /* bytes of path used (no NUL); 0 for a failed call */
  __s32 mem_pid;       /* memory file: host tgid of the process whose memory it is (0: gone) */
  __s32 mem_tid;       /* memory file: the host tid it was opened for */
  __u32 pad;
  char path[TH_PATH_LEN]; /* the taken file's path, as build_path renders it */
};

struct th_fork_event {
  struct th_header h; /* the caller (parent); res is the child's pid in the caller's namespace */
  __s32 child_pid;    /* host tgid of the child (== h.pid for a new thread) */
  __s32 child_tid;    /* host tid of the child */
  __u64 clone_flags;
};

/* Variable length: the record ends after args_len bytes of args (the ring rounds it up to 8), so
 * that an exec takes about a third of the room the full struct would. */
struct th_exec_event {
  struct th_header h; /* the process after the exec */
  __u16 exe_len;
  __u16 args_len;
  __u8 exe_from_memfd;
  __u8 exe_truncated;
  __u8 args_truncated;
  __u8 pad;
  char exe[TH_PATH_LEN];
  /* The process's cgroup as the kernel has it at the exec, the last two directory names (the
   * unified hierarchy's, or the memory controller's on hosts that leave it at the root): a
   * container runtime names them after the container. Read here, not later from /proc, because
   * a container's first process may be gone before user space could look. */
  char cgroup_parent[TH_CGROUP_NAME_LEN];
  char cgroup_leaf[TH_CGROUP_NAME_LEN];
  /* Bit n: descriptor n (< 64), inherited across the exec, is a regular file without a name
   * (memfd, O_TMPFILE, deleted): `ld.so /proc/self/fd/N` runs code from it. */
  __u64 fileless_fds;
  /* The executed file (the interpreter for a script): user space compares it with the host's
   * file at the path before it gives a known debugger's treatment. */
  __u64 exe_ino;
  __u32 exe_dev;       /* the kernel's encoding: major << 20 | minor */
  __u8 env_injection;  /* enum th_env_injection bits */
  __u8 pad2[3];
  char args[TH_ARGS_LEN]; /* argv, each argument NUL-terminated; last: only args_len sent */
};

/* Environment variables that make the dynamic loader run code of the caller's choosing before
 * the program's own (th_exec_event.env_injection). */
enum th_env_injection {
  TH_ENV_LD_PRELOAD = 1,
  TH_ENV_LD_AUDIT = 2,
  TH_ENV_LD_LIBRARY_PATH = 4,
  TH_ENV_UNSCANNED = 0x80, /* too many variables, or unreadable: not known to be clean */
};

struct th_exit_event {
  struct th_header h; /* the last thread of the group; res == status */
  __u32 status;       /* wait status: exit code << 8 | terminating signal */
  __u32 pad;
};

/* Value of the per-CPU counters map, one entry per enum th_kind. */
struct th_kind_counters {
  __u64 events;   /* records committed to the ring buffer */
  __u64 drops;    /* records lost: ring buffer full */
  __u64 filtered; /* events no rule could match, dropped in the kernel */
};

/* The single value of the interest map (see interest_filter.h for how it is read). */
struct th_interest {
  __u32 syscalls;   /* bit (1 << enum th_syscall) for every syscall some rule can match */
  __u8 mem_open_write;
  __u8 mem_open_read;
  __u8 ptrace_other; /* ptrace requests outside the 128 slots */
  __u8 pad;
  __u64 ptrace_slots[2]; /* bit per ptrace request slot (th_ptrace_slot) */
};

/* ---- flood control (record_class.h, flood_control.bpf.h) ---- */

/* How precious a record is: which ring it goes to and how much of a burst it gets. */
enum th_class {
  TH_CLASS_LIFECYCLE = 0, /* fork/exec/exit: `events` ring, never aggregated */
  TH_CLASS_INJECT = 1,    /* successful injection kinds: `events` ring */
  TH_CLASS_BULK = 2,      /* the rest: `bulk` ring */
  TH_CLASS_COUNT = 3,
};

/* What makes two records "the same" for flood control: one key per acting process, kind,
 * request, target and outcome. */
struct th_flood_key {
  __s64 request; /* ptrace request (-1: one outside the named slots); 0 for the other kinds */
  __s32 tgid;    /* the acting process (host tgid) */
  /* The target pid as the caller named it (a memory file: its host tid); 0 for none, and for
   * failed calls: naming a new pid costs nothing when the call fails, a new target otherwise
   * costs a process. */
  __s32 target;
  __u8 kind;     /* enum th_kind */
  __u8 failed;   /* the call returned an error */
  __u8 pad[6];
};

/* Value of the flood map, per key. `held` and `dropped` only grow; the loader reports deltas. */
struct th_flood_entry {
  __u64 window_start_ns; /* CLOCK_BOOTTIME */
  __u64 held;            /* records aggregated (not sent) since the key was first seen */
  __u64 sent;            /* records let through since the key was first seen */
  __u64 dropped;         /* records of this key let through but lost: their ring was full */
  __u32 passed;          /* records sent in the current window */
  __u32 uid;
  __s32 last_target;     /* the target the latest record named (failed calls: not in the key) */
  __u32 pad;
  char comm[TH_COMM_LEN];
};

/* Value of the per-CPU flood counters map, one entry per enum th_kind. */
struct th_flood_counters {
  __u64 held; /* records aggregated by flood control */
};

#ifdef __cplusplus
#define TH_LAYOUT_ASSERT(cond) static_assert(cond, #cond)
#else
#define TH_LAYOUT_ASSERT(cond) _Static_assert(cond, #cond)
#endif
#define TH_OFFSET(type, field) __builtin_offsetof(struct type, field)

TH_LAYOUT_ASSERT(sizeof(struct th_header) == 72);
TH_LAYOUT_ASSERT(TH_OFFSET(th_header, res) == 8);
TH_LAYOUT_ASSERT(TH_OFFSET(th_header, pidns) == 24);
TH_LAYOUT_ASSERT(TH_OFFSET(th_header, kind) == 28);
TH_LAYOUT_ASSERT(TH_OFFSET(th_header, pid) == 32);
TH_LAYOUT_ASSERT(TH_OFFSET(th_header, uid) == 48);
TH_LAYOUT_ASSERT(TH_OFFSET(th_header, comm) == 56);
TH_LAYOUT_ASSERT(sizeof(struct th_target) == 16);
TH_LAYOUT_ASSERT(sizeof(struct th_ptrace_event) == 112);
TH_LAYOUT_ASSERT(TH_OFFSET(th_ptrace_event, request) == 88);
TH_LAYOUT_ASSERT(sizeof(struct th_vm_event) == 112);
TH_LAYOUT_ASSERT(TH_OFFSET(th_vm_event, bytes) == 88);
TH_LAYOUT_ASSERT(sizeof(struct th_mem_open_event) == 96 + TH_PATH_LEN);
TH_LAYOUT_ASSERT(TH_OFFSET(th_mem_open_event, path) == 96);
TH_LAYOUT_ASSERT(sizeof(struct th_mem_write_event) == 120 + TH_PATH_LEN);
TH_LAYOUT_ASSERT(TH_OFFSET(th_mem_write_event, offset) == 88);
TH_LAYOUT_ASSERT(TH_OFFSET(th_mem_write_event, fd) == 104);
TH_LAYOUT_ASSERT(TH_OFFSET(th_mem_write_event, path) == 120);
TH_LAYOUT_ASSERT(sizeof(struct th_fd_take_event) == 112 + TH_PATH_LEN);
TH_LAYOUT_ASSERT(TH_OFFSET(th_fd_take_event, target_fd) == 88);
TH_LAYOUT_ASSERT(TH_OFFSET(th_fd_take_event, mem_pid) == 100);
TH_LAYOUT_ASSERT(TH_OFFSET(th_fd_take_event, path) == 112);
TH_LAYOUT_ASSERT(sizeof(struct th_fork_event) == 88);
TH_LAYOUT_ASSERT(TH_OFFSET(th_fork_event, clone_flags) == 80);
TH_LAYOUT_ASSERT(sizeof(struct th_exec_event) ==
                 80 + TH_PATH_LEN + TH_ARGS_LEN + 2 * TH_CGROUP_NAME_LEN + 24);
TH_LAYOUT_ASSERT(TH_OFFSET(th_exec_event, exe) == 80);
TH_LAYOUT_ASSERT(TH_OFFSET(th_exec_event, args) + TH_ARGS_LEN == sizeof(struct th_exec_event));
TH_LAYOUT_ASSERT(sizeof(struct th_exit_event) == 80);
TH_LAYOUT_ASSERT(sizeof(struct th_kind_counters) == 24);
TH_LAYOUT_ASSERT(sizeof(struct th_interest) == 24);
TH_LAYOUT_ASSERT(TH_OFFSET(th_interest, ptrace_slots) == 8);
TH_LAYOUT_ASSERT(TH_KIND_COUNT == 10 && TH_SC_COUNT <= 32);
TH_LAYOUT_ASSERT(TH_ABI_COUNT == TH_ABI_X32 + 1);
TH_LAYOUT_ASSERT(TH_RESOLVED_COUNT == TH_RESOLVED_PIDFD + 1);
TH_LAYOUT_ASSERT(TH_MEM_OPEN_FNS >= 1 && TH_MEM_OPEN_FNS <= 8);
TH_LAYOUT_ASSERT(sizeof(struct th_flood_key) == 24);
TH_LAYOUT_ASSERT(TH_OFFSET(th_flood_key, kind) == 16);
TH_LAYOUT_ASSERT(sizeof(struct th_flood_entry) == 64);
TH_LAYOUT_ASSERT(TH_OFFSET(th_flood_entry, comm) == 48);
TH_LAYOUT_ASSERT(sizeof(struct th_flood_counters) == 8);

#undef TH_OFFSET
#undef TH_LAYOUT_ASSERT

#endif /* TRACEHOUND_PROBE_H */
