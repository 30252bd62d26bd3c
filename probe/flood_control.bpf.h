/* Flood control: no flood of repetitive records from any process can cost another process's
 * injection or a process-table record (see record_class.h for the three classes).
 *
 *  - Two rings. `events` carries lifecycle and inject records; lifecycle records may not fill its
 *    last quarter (a fork or exec flood leaves room for injections). `bulk` carries the rest:
 *    a flood of it fills only itself.
 *  - Aggregation per key (th_flood_key: process, kind, request, target, outcome) in a window:
 *    the first flood_burst[class] records of a key per window are sent, the rest are held back
 *    and counted, per key (the flood map: who, what, how many) and per kind (flood_counters). The
 *    loader reads the map when the counters move and reports the flooders (log, metrics, an
 *    internal alert). Lifecycle records are never aggregated.
 *  - Beyond its first flood_free records per window, a key of an unprivileged user also draws on
 *    that user's budget per window (uid_burst[class]): many processes of one user, each under
 *    its own burst, still cannot add up to a flood. A new stream (a new target, a new request)
 *    always gets its first records through, so an injection is seen even while its own user
 *    floods; root's streams only have their per-key burst.
 *  - Records of one key that were sent but found their ring full are counted on the key too,
 *    so that the drop alert can name the process that filled the ring.
 * The map is an LRU hash: a flooder making keys faster than they expire only evicts its own
 * oldest ones (held counts of evicted keys stay in the per-kind counters). */
#ifndef TRACEHOUND_FLOOD_CONTROL_BPF_H
#define TRACEHOUND_FLOOD_CONTROL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "interest_filter.h"
#include "record_class.h"
#include "tracehound.h"

#define TH_FLOOD_KEYS 8192

/* Set by the loader between open and load. flood_burst[c] == 0: class c is never aggregated. */
const volatile __u32 flood_burst[TH_CLASS_COUNT] = {0, 4096, 1024};
const volatile __u32 uid_burst[TH_CLASS_COUNT] = {0, 16384, 8192};
const volatile __u32 flood_free = 8;
const volatile __u64 flood_window_ns = 1000000000ULL;
/* Pending bytes in `events` above which lifecycle records are refused (3/4 of the ring). */
const volatile __u64 lifecycle_limit_bytes = 6 << 20;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 2 << 20); /* the loader sets the real size */
} bulk SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, TH_FLOOD_KEYS);
  __type(key, struct th_flood_key);
  __type(value, struct th_flood_entry);
} floods SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, TH_KIND_COUNT);
  __type(key, __u32);
  __type(value, struct th_flood_counters);
} flood_counters SEC(".maps");

struct uid_budget {
  __u64 window_start_ns;
  __u32 used[TH_CLASS_COUNT];
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, struct uid_budget);
} uid_budgets SEC(".maps");

/* Takes one record of class `klass` from the budget of `uid`; 0 when it is spent. */
static __always_inline int uid_admit(__u32 uid, __u8 klass, __u64 now) {
  if (klass >= TH_CLASS_COUNT || !uid_burst[klass]) return 1;
  struct uid_budget *b = bpf_map_lookup_elem(&uid_budgets, &uid);
  if (!b) {
    struct uid_budget fresh = {.window_start_ns = now};
    bpf_map_update_elem(&uid_budgets, &uid, &fresh, BPF_NOEXIST);
    b = bpf_map_lookup_elem(&uid_budgets, &uid);
    if (!b) return 1;
  }
  if (now - b->window_start_ns >= flood_window_ns) {
    b->window_start_ns = now;
    for (int i = 0; i < TH_CLASS_COUNT; i++) b->used[i] = 0;
  }
  if (b->used[klass & 3] >= uid_burst[klass]) return 0;
  b->used[klass & 3]++;
  return 1;
}

/* A record's identity for flood control and where its verdict is kept. */
struct flood_ticket {
  struct th_flood_entry *entry; /* NULL: not aggregated (lifecycle, or flood control off) */
  __u32 kind;
  __u8 klass;                   /* enum th_class */
};

static __always_inline void flood_key_init(struct th_flood_key *key, __u32 kind, __s64 request,
                                           __s32 target, __s64 res) {
  __builtin_memset(key, 0, sizeof(*key));
  key->request = kind == TH_KIND_PTRACE && th_ptrace_slot(request) < 0 ? -1 : request;
  key->tgid = bpf_get_current_pid_tgid() >> 32;
  key->target = res < 0 ? 0 : target;
  key->kind = kind;
  key->failed = res < 0;
}

/* Decides whether a record of `kind` may be sent. 0: held back (counted); 1: send it, with
 * `t` to pass to flood_sent()/flood_lost(). `target` is what the caller already knows about
 * the target (the argument pid is good enough: aggregation only needs a stable identity). */
static __always_inline int flood_admit(struct flood_ticket *t, __u32 kind, __s64 request,
                                       __s32 target, __s64 res) {
  t->entry = 0;
  t->kind = kind;
  t->klass = th_record_class(kind, request, res);
  __u32 burst = t->klass < TH_CLASS_COUNT ? flood_burst[t->klass] : 0;
  if (!burst) return 1;
  struct th_flood_key key;
  flood_key_init(&key, kind, request, target, res);
  __u64 now = bpf_ktime_get_boot_ns();
  struct th_flood_entry *e = bpf_map_lookup_elem(&floods, &key);
  if (!e) {
    struct th_flood_entry fresh = {};
    fresh.window_start_ns = now;
    fresh.uid = (__u32)bpf_get_current_uid_gid();
    bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
    bpf_map_update_elem(&floods, &key, &fresh, BPF_NOEXIST);
    e = bpf_map_lookup_elem(&floods, &key);
    if (!e) return 1; /* no room to keep state: send, never hold back blindly */
  }
  e->last_target = target;
  if (now - e->window_start_ns >= flood_window_ns) {
    e->window_start_ns = now;
    e->passed = 0;
  }
  __u32 uid = (__u32)bpf_get_current_uid_gid();
  if (e->passed >= burst || (e->passed >= flood_free && uid != 0 && !uid_admit(uid, t->klass, now))) {
    __sync_fetch_and_add(&e->held, 1);
    struct th_flood_counters *c = bpf_map_lookup_elem(&flood_counters, &kind);
    if (c) __sync_fetch_and_add(&c->held, 1);
    return 0;
  }
  e->passed++;
  __sync_fetch_and_add(&e->sent, 1);
  t->entry = e;
  return 1;
}

/* The record's ring was full: counted on its key as well as on its kind. */
static __always_inline void flood_lost(const struct flood_ticket *t) {
  if (t->entry) __sync_fetch_and_add(&t->entry->dropped, 1);
}

/* May a lifecycle record take room in `events`? Not when that would eat into the quarter kept
 * for injections. */
static __always_inline int lifecycle_room(void *ring, __u32 size) {
  return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + size <= lifecycle_limit_bytes;
}

#endif /* TRACEHOUND_FLOOD_CONTROL_BPF_H */
