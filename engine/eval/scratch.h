// Reusable string buffers for transformers (tolower, b64...) and rendered values. Buffers keep
// their capacity across events, so steady-state evaluation does not allocate.
#pragma once

#include <deque>
#include <string>

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

 private:
  std::deque<std::string> bufs_;
  std::size_t used_ = 0;
};

}  // namespace th
