#include "probe/flood_reader.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cstring>

namespace th::probe {

std::vector<Flooder> FloodReader::read(int map_fd) {
  std::vector<Flooder> out;
  std::map<std::string, Seen> now;
  th_flood_key key{}, next{};
  th_flood_entry entry{};
  const void* prev = nullptr;
  // The map is an LRU hash that the kernel keeps changing: a key deleted under the walk makes
  // get_next_key start over, so the walk is bounded by the map's size.
  for (int guard = 0; guard < 4 * 8192 && bpf_map_get_next_key(map_fd, prev, &next) == 0; ++guard) {
    key = next;
    prev = &key;
    if (bpf_map_lookup_elem(map_fd, &key, &entry) != 0) continue;
    std::string id(reinterpret_cast<const char*>(&key), sizeof key);
    if (now.count(id)) continue;
    Seen& last = seen_[id];
    now[id] = Seen{entry.held, entry.sent, entry.dropped};
    if (entry.held <= last.held && entry.dropped <= last.dropped) continue;
    Flooder f;
    f.pid = key.tgid;
    f.uid = entry.uid;
    f.comm.assign(entry.comm, strnlen(entry.comm, sizeof entry.comm));
    f.kind = key.kind < TH_KIND_COUNT ? static_cast<th_kind>(key.kind) : TH_KIND_PTRACE;
    f.request = key.request;
    f.target = key.target ? key.target : entry.last_target;
    f.failed = key.failed != 0;
    f.held = entry.held - std::min<uint64_t>(entry.held, last.held);
    f.sent = entry.sent - std::min<uint64_t>(entry.sent, last.sent);
    f.dropped = entry.dropped - std::min<uint64_t>(entry.dropped, last.dropped);
    out.push_back(std::move(f));
  }
  seen_ = std::move(now);  // keys the kernel evicted are forgotten with it
  std::sort(out.begin(), out.end(), [](const Flooder& a, const Flooder& b) {
    return a.held + a.dropped > b.held + b.dropped;
  });
  return out;
}

}  // namespace th::probe
