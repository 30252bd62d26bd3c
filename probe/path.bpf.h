/* Paths of files as the kernel names them (d_path()'s rendering), built right to left in a
 * per-CPU scratch buffer: memory-file opens, writes and taken descriptors report them. Part of
 * tracehound.bpf.c, included once from it after core_fixes.bpf.h. */
#ifndef TRACEHOUND_PATH_BPF_H
#define TRACEHOUND_PATH_BPF_H

#define TH_MAX_PATH_PARTS 32 /* path components walked */

/* Room to assemble a path right to left; twice TH_PATH_LEN so that masked offsets stay inside. */
struct path_scratch {
  __u32 pos;
  char buf[2 * TH_PATH_LEN];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct path_scratch);
} scratch SEC(".maps");

#define TH_PATH_TRUNCATED (1u << 31)

/* Assembles the path of (dentry, vfsmount) in the scratch map, ending before
 * buf[TH_PATH_LEN - 1] and starting at buf[pos], the way d_path() renders it, walking up through
 * mount points to the root of the mount namespace, with " (deleted)" for unlinked and pseudo
 * files (memfd). Returns the length, with TH_PATH_TRUNCATED when components were left out. A
 * global function (see "Verifier cost" in tracehound.bpf.c), so the pointers come as numbers;
 * every read is a helper read anyway. */
__noinline __u32 th_build_path(__u64 dentry_addr, __u64 vfsmnt_addr) {
  struct dentry *dentry = (struct dentry *)dentry_addr;
  struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_addr;
  __u32 zero = 0;
  struct path_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
  if (!s) return 0;
  const __u32 mask = TH_PATH_LEN - 1;
  /* The write position lives in the map value, not in a register: the verifier then sees an
   * unknown (masked) offset on every iteration and can prune, instead of following every
   * possible exact position through all TH_MAX_PATH_PARTS iterations. */
  s->pos = TH_PATH_LEN - 1; /* the path ends before buf[TH_PATH_LEN - 1] */
  if (th_dentry_unhashed(dentry)) {
    __builtin_memcpy(&s->buf[TH_PATH_LEN - 11], " (deleted)", 10);
    s->pos = TH_PATH_LEN - 11;
  }
  struct mount *mnt = th_real_mount(vfsmnt);
  struct dentry *d = dentry;
  int complete = 0;
  for (int i = 0; i < TH_MAX_PATH_PARTS; i++) {
    struct dentry *parent = BPF_CORE_READ(d, d_parent);
    if (d == BPF_CORE_READ(mnt, mnt.mnt_root)) {
      struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
      if (!up || up == mnt) { /* root of the mount namespace (or an internal mount) */
        complete = 1;
        break;
      }
      d = BPF_CORE_READ(mnt, mnt_mountpoint);
      mnt = up;
      continue;
    }
    __u32 len = BPF_CORE_READ(d, d_name.len);
    __u32 pos = s->pos;
    if (len == 0 || len + 1 > pos) break; /* no name, or no room left: truncated */
    pos -= len;
    bpf_probe_read_kernel(&s->buf[pos & mask], len & mask, BPF_CORE_READ(d, d_name.name));
    pos -= 1;
    s->buf[pos & mask] = '/';
    s->pos = pos;
    if (d == parent) { /* a disconnected dentry, e.g. memfd: its name is the whole path */
      complete = 1;
      break;
    }
    d = parent;
  }
  __u32 pos = s->pos;
  if (pos == TH_PATH_LEN - 1) { /* the root itself */
    pos -= 1;
    s->buf[pos & mask] = '/';
    s->pos = pos;
  }
  return (((TH_PATH_LEN - 1) - pos) & mask) | (complete ? 0 : TH_PATH_TRUNCATED);
}

/* Writes the path of (dentry, vfsmount) into out[TH_PATH_LEN] (see th_build_path()). Returns
 * the length; *truncated when components were left out. */
static __always_inline __u32 build_path(struct dentry *dentry, struct vfsmount *vfsmnt, char *out,
                                        __u8 *truncated) {
  __u32 r = th_build_path((__u64)dentry, (__u64)vfsmnt);
  __u32 zero = 0;
  struct path_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
  if (!s) return 0;
  const __u32 mask = TH_PATH_LEN - 1;
  __u32 len = r & mask;
  *truncated = (r & TH_PATH_TRUNCATED) != 0;
  bpf_probe_read_kernel(out, len, &s->buf[s->pos & mask]);
  return len;
}

#endif /* TRACEHOUND_PATH_BPF_H */
