// Per-event working memory of extraction and evaluation: reusable string buffers for field
// extractors, transformers (tolower, b64...) and rendered values, and the evaluator's memo of
// shared subtrees. It lives with the fields, the lower layer, since every extractor takes one.
// Buffers keep their capacity across events, so steady-state evaluation does not allocate.
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

  // Per-event memo of subtrees shared between rules (engine/eval/predicate.h, MemoNode). A slot
  // holds (event stamp << 1 | result); it is valid when the stamp is the current event's.
  // begin_event() sizes the slots before any lookup, so lookups need no bounds check.
  void begin_event(std::size_t slots) {
    if (memo_.size() < slots) memo_.resize(slots, 0);
    event_ += 2;
    if (event_ == 0) {  // wrapped: forget every stamp
      std::fill(memo_.begin(), memo_.end(), 0);
      event_ = 2;
    }
  }
  bool memo_get(uint32_t slot, bool& value) const {
    uint32_t m = memo_[slot];
    if ((m & ~1u) != event_) return false;
    value = (m & 1u) != 0;
    return true;
  }
  void memo_set(uint32_t slot, bool value) { memo_[slot] = event_ | (value ? 1u : 0u); }

  // Working lists of the rule index (engine/eval/rule_index.h), kept for their capacity.
  std::vector<uint32_t>& index_hits() { return index_hits_; }
  std::vector<uint32_t>& index_merged() { return index_merged_; }

 private:
  std::vector<uint32_t> index_hits_;
  std::vector<uint32_t> index_merged_;
  std::vector<uint32_t> memo_;
  uint32_t event_ = 2;  // even: the low bit of a slot is its result
  std::deque<std::string> bufs_;
  std::size_t used_ = 0;
};

}  // namespace th
