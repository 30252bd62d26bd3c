/* What makes a known debugger the real one, read at exec: the identity of the file the kernel
 * executed (device and inode; user space compares them with the host's file at the path), and
 * whether the environment tells the dynamic loader to run other code first (LD_PRELOAD,
 * LD_AUDIT, LD_LIBRARY_PATH). Only the names of the variables are looked at, never their values.
 * Included from tracehound.bpf.c. */
#ifndef TRACEHOUND_EXEC_TRUST_BPF_H
#define TRACEHOUND_EXEC_TRUST_BPF_H

#define TH_ENV_MAX_VARS 256 /* more variables than this: TH_ENV_UNSCANNED */
#define TH_ENV_NAME_LEN 17  /* "LD_LIBRARY_PATH=" and its NUL */

static __always_inline int has_prefix(const char *s, const char *prefix, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] != prefix[i]) return 0;
  return 1;
}

static __always_inline __u8 env_var_injection(const char *name) {
  if (name[0] != 'L' || name[1] != 'D' || name[2] != '_') return 0;
  if (has_prefix(name, "LD_PRELOAD=", 11)) return TH_ENV_LD_PRELOAD;
  if (has_prefix(name, "LD_AUDIT=", 9)) return TH_ENV_LD_AUDIT;
  if (has_prefix(name, "LD_LIBRARY_PATH=", 16)) return TH_ENV_LD_LIBRARY_PATH;
  return 0;
}

/* The injection flag of the variable whose "NAME=value" string is at user address `p`. A global
 * function (see "Verifier cost" in tracehound.bpf.c): verified once, not at each of the
 * TH_ENV_MAX_VARS steps of the loop below, which made most of the exec program's verification. */
__noinline __u8 th_env_var_injection(__u64 p) {
  char name[TH_ENV_NAME_LEN] = {};
  bpf_probe_read_user_str(name, sizeof(name), (void *)p);
  return env_var_injection(name);
}

/* The loader-injection variables in the new program's environment. At sched_process_exec the
 * registers already point at the new stack: argc, argv[], NULL, envp[], NULL. Nothing else can
 * have run in the new image yet, so this is what the loader will read. Pointers are 4 bytes wide
 * in 32-bit address spaces (ia32, x32), whose stack is below 4 GiB. */
static __always_inline __u8 env_injection(struct task_struct *task) {
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
  __u64 sp = BPF_CORE_READ(regs, sp);
  __u32 width = sp < (1ULL << 32) ? 4 : 8;
  barrier_var(width);
  if (width > 8) width = 8; /* for the verifier: the size of argc and p */
  __u64 argc = 0;
  if (bpf_probe_read_user(&argc, width, (void *)sp) != 0 || argc > (1 << 20))
    return TH_ENV_UNSCANNED;
  __u64 envp = sp + width * (argc + 2);
  __u8 flags = 0;
  for (int i = 0; i < TH_ENV_MAX_VARS; i++) {
    __u64 p = 0;
    if (bpf_probe_read_user(&p, width, (void *)(envp + (__u64)width * i)) != 0)
      return flags | TH_ENV_UNSCANNED;
    if (!p) return flags;
    flags |= th_env_var_injection(p);
  }
  return flags | TH_ENV_UNSCANNED;
}

static __always_inline void exec_identity(struct th_exec_event *e, struct file *file,
                                          struct task_struct *task) {
  struct inode *inode = BPF_CORE_READ(file, f_inode);
  e->exe_ino = BPF_CORE_READ(inode, i_ino);
  e->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
  e->env_injection = env_injection(task);
}

#endif /* TRACEHOUND_EXEC_TRUST_BPF_H */
