#include "engine/output/alert_queue.h"

#include <algorithm>

namespace th {

std::optional<Priority> eviction_level(const PriorityCounts& held, Priority newcomer) {
  for (std::size_t p = held.size(); p-- > static_cast<std::size_t>(newcomer) + 1;)
    if (held[p]) return static_cast<Priority>(p);
  return std::nullopt;
}

AlertQueue::Pushed AlertQueue::push(const RecordPtr& rec) {
  Pushed r;
  if (full()) {
    auto level = eviction_level(counts_, rec->priority);
    if (!level) return r;
    auto it = std::find_if(q_.begin(), q_.end(), [&](const RecordPtr& x) { return x->priority == *level; });
    r.evicted = *it;
    --counts_[static_cast<std::size_t>(*level)];
    q_.erase(it);
  }
  q_.push_back(rec);
  ++counts_[static_cast<std::size_t>(rec->priority)];
  r.stored = true;
  return r;
}

std::vector<RecordPtr> AlertQueue::take(std::size_t n) {
  n = std::min(n, q_.size());
  std::vector<RecordPtr> out(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(n));
  q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(n));
  for (const auto& r : out) --counts_[static_cast<std::size_t>(r->priority)];
  return out;
}

}  // namespace th
