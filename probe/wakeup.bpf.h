// SPDX-License-Identifier: GPL-2.0
/* When the kernel wakes the reader. A wakeup costs the producing task about ten times what
 * building the record does, so lifecycle and bulk records are committed silently while the
 * reader is known to be awake; but a reader that is never woken must poll, and a fixed short
 * poll is what an idle detector spends its CPU on. So:
 *  - injection records always wake the reader (BPF_RB_FORCE_WAKEUP: rare and urgent; the
 *    kernel's default wakes only when the ring was empty, and silent records may be waiting);
 *  - a lifecycle or bulk record wakes it when wakeup_bytes are pending in its ring, or when the
 *    last wakeup of that ring is at least a gap old: the first record after a quiet spell wakes
 *    at once, and under load there is at most one wakeup per gap and ring. The gap is
 *    wakeup_gap_ns, or longer while a heavy stream flows: the reader sets it (wakeup_gap below,
 *    probe/wakeup_pacer.h);
 *  - the reader (Probe::poll's callers) looks again on its own a little more than a gap after
 *    any drain that found records, and sleeps until its next tick after one that found none. A
 *    record committed silently was committed less than a gap after a wakeup, so the reader,
 *    which stays in short sleeps after every drain with records, finds it within one look. The
 *    reader's look comes after the gap so that while records flow the kernel's wakeup ends its
 *    sleep, not its own timer (which on a virtual machine costs several times as much).
 * The stamp is shared by all CPUs and updated without a lock: two CPUs may both wake the reader,
 * which costs one wakeup more and loses nothing. */
#pragma once

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Set by the loader between open and load. wakeup_bytes 0: wake for every record. */
const volatile __u64 wakeup_bytes = 0;
const volatile __u64 wakeup_gap_ns = 4000000;

enum wakeup_ring { WAKE_EVENTS, WAKE_BULK, WAKE_RING_COUNT };

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, WAKE_RING_COUNT);
  __type(key, __u32);
  __type(value, __u64); /* bpf_ktime_get_ns() of the ring's last forced wakeup */
} last_wakeup SEC(".maps");

/* The gap in use, written by the reader when its pacer changes it; 0 (not yet written):
 * wakeup_gap_ns. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} wakeup_gap SEC(".maps");

static __always_inline __u64 current_wakeup_gap(void) {
  __u32 zero = 0;
  __u64 *gap = bpf_map_lookup_elem(&wakeup_gap, &zero);
  return gap && *gap ? *gap : wakeup_gap_ns;
}

/* The commit flags of a lifecycle or bulk record in `ring`. */
static __always_inline __u64 batched_wakeup(void *ring, __u32 slot) {
  if (!wakeup_bytes) return 0;
  if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= wakeup_bytes) return BPF_RB_FORCE_WAKEUP;
  __u64 *last = bpf_map_lookup_elem(&last_wakeup, &slot);
  if (!last) return BPF_RB_FORCE_WAKEUP;
  __u64 now = bpf_ktime_get_ns();
  if (now - *last < current_wakeup_gap()) return BPF_RB_NO_WAKEUP;
  *last = now;
  return BPF_RB_FORCE_WAKEUP;
}
