#include "probe/kernel_counts.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "probe/tracehound.h"

namespace th::probe {
namespace {

// Every kind's per-CPU values of one of the probe's per-CPU counter arrays (TH_KIND_COUNT
// entries of T), kind-major: one system call (BPF_MAP_LOOKUP_BATCH), or one per kind where the
// kernel has no batch lookup for arrays. Kinds that cannot be read stay zero.
template <typename T>
std::vector<T> read_kind_counters(const bpf_map* map, int ncpus) {
  static_assert(sizeof(T) % 8 == 0, "per-CPU values are laid out 8-byte aligned");
  const auto per_kind = static_cast<std::size_t>(ncpus);
  std::vector<T> values(TH_KIND_COUNT * per_kind);
  std::array<uint32_t, TH_KIND_COUNT> keys{};
  uint32_t next = 0;
  uint32_t count = TH_KIND_COUNT;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  int rc = bpf_map_lookup_batch(bpf_map__fd(map), nullptr, &next, keys.data(), values.data(),
                                &count, &opts);
  if ((rc == 0 || errno == ENOENT) && count == TH_KIND_COUNT) return values;
  std::fill(values.begin(), values.end(), T{});
  for (uint32_t k = 0; k < TH_KIND_COUNT; ++k)
    if (bpf_map__lookup_elem(map, &k, sizeof(k), values.data() + k * per_kind,
                             per_kind * sizeof(T), 0) != 0)
      std::fill_n(values.begin() + static_cast<std::ptrdiff_t>(k * per_kind), per_kind, T{});
  return values;
}

}  // namespace

void add_kernel_counts(const bpf_map* counters, const bpf_map* flood_counters, int ncpus,
                       std::array<Probe::KindStats, TH_KIND_COUNT>& kinds) {
  const auto per_kind = static_cast<std::size_t>(ncpus);
  const auto counted = read_kind_counters<th_kind_counters>(counters, ncpus);
  const auto held = read_kind_counters<th_flood_counters>(flood_counters, ncpus);
  for (std::size_t k = 0; k < TH_KIND_COUNT; ++k) {
    for (std::size_t cpu = 0; cpu < per_kind; ++cpu) {
      const th_kind_counters& c = counted[k * per_kind + cpu];
      kinds[k].events += c.events;
      kinds[k].drops += c.drops;
      kinds[k].filtered += c.filtered;
      kinds[k].held += held[k * per_kind + cpu].held;
    }
  }
}

}  // namespace th::probe
