#include "probe/wakeup_pacer.h"

#include <algorithm>

namespace th::probe {

uint64_t WakeupPacer::after_look(std::size_t records) {
  if (records >= kHeavyRecords)
    gap_ns_ = std::min(gap_ns_ * 2, kMaxGapNs);
  else if (records < kHeavyRecords / 2)
    gap_ns_ = kBaseGapNs;
  return gap_ns_;
}

int WakeupPacer::look_again_ms() const {
  return static_cast<int>((gap_ns_ + kLookAgainMarginNs + 999'999) / 1'000'000);
}

}  // namespace th::probe
