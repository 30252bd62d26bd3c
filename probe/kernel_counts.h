// The probe's per-kind counters in the kernel (tracehound.bpf.c's `counters`, flood control's
// `flood_counters`: per-CPU arrays of TH_KIND_COUNT entries), summed over the CPUs.
#pragma once

#include <array>

#include "probe/loader.h"

struct bpf_map;

namespace th::probe {

// Adds every kind's events, drops, filtered and held records, over `ncpus` CPUs, to `kinds`.
// Two system calls (batched lookups), or one per kind and map where the kernel cannot batch
// array lookups; a kind that cannot be read adds nothing.
void add_kernel_counts(const bpf_map* counters, const bpf_map* flood_counters, int ncpus,
                       std::array<Probe::KindStats, TH_KIND_COUNT>& kinds);

}  // namespace th::probe
