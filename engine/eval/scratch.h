// Reusable string buffers for transformers (tolower, b64...) and rendered values. Buffers keep
// their capacity across events, so steady-state evaluation does not allocate.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace th {

class Scratch {
 public:
  // A cleared buffer that stays valid (and unmoved) until reset(). std::deque keeps references
  // stable as it grows, which string_views into short (SSO) strings rely on.
  std::string& next() {
    if (used_ == bufs_.size()) bufs_.emplace_back();
    std::string& s = bufs_[used_++];
    s.clear();
    return s;
  }
  void reset() { used_ = 0; }

  // Per-event memo of subtrees shared between rules (engine/eval/predicate.h, MemoNode): a slot
  // holds a result when its stamp is the current event's.
  void begin_event(std::size_t slots) {
    if (memo_stamp_.size() < slots) {
      memo_stamp_.resize(slots, 0);
      memo_value_.resize(slots, 0);
    }
    if (++event_ == 0) {  // wrapped: forget every stamp
      std::fill(memo_stamp_.begin(), memo_stamp_.end(), 0);
      event_ = 1;
    }
  }
  bool memo_get(uint32_t slot, bool& value) const {
    if (slot >= memo_stamp_.size() || memo_stamp_[slot] != event_) return false;
    value = memo_value_[slot] != 0;
    return true;
  }
  void memo_set(uint32_t slot, bool value) {
    if (slot >= memo_stamp_.size()) return;
    memo_stamp_[slot] = event_;
    memo_value_[slot] = value ? 1 : 0;
  }

 private:
  std::vector<uint32_t> memo_stamp_;
  std::vector<uint8_t> memo_value_;
  uint32_t event_ = 1;
  std::deque<std::string> bufs_;
  std::size_t used_ = 0;
};

}  // namespace th
