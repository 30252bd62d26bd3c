// A bounded FIFO of alerts in memory. When it is full, a newcomer makes room by evicting the
// least severe alert held (the oldest of those), but never one as severe as itself: a flood of
// low-priority alerts cannot push out a critical one, and a critical one still gets in.
// Not thread-safe: the output that owns it holds its own lock.
#pragma once

#include <array>
#include <deque>
#include <optional>
#include <vector>

#include "engine/output/output.h"

namespace th {

// Alerts held, per priority (index: the Priority value).
using PriorityCounts = std::array<std::size_t, 8>;

// The least severe priority in `held` that is strictly less severe than `newcomer`: what to
// evict to make room for it. nullopt: nothing may be evicted for it (the newcomer is dropped).
std::optional<Priority> eviction_level(const PriorityCounts& held, Priority newcomer);

class AlertQueue {
 public:
  explicit AlertQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  struct Pushed {
    bool stored = false;  // false: the newcomer is dropped (the queue holds only alerts as severe)
    RecordPtr evicted;    // an alert pushed out to make room (dropped), or null
  };
  Pushed push(const RecordPtr& rec);
  // Removes and returns the `n` oldest (fewer when fewer are held).
  std::vector<RecordPtr> take(std::size_t n);
  std::vector<RecordPtr> take_all() { return take(q_.size()); }

  std::size_t size() const { return q_.size(); }
  bool empty() const { return q_.empty(); }
  bool full() const { return q_.size() >= capacity_; }

 private:
  std::size_t capacity_;
  std::deque<RecordPtr> q_;
  PriorityCounts counts_{};
};

}  // namespace th
