#include "probe/wakeup_pacer.h"

#include <algorithm>

namespace th::probe {

uint64_t WakeupPacer::after_look(std::size_t records, uint64_t now_ns) {
  // A look without records after a heavy stream keeps the longer wait it may owe (stragglers
  // committed under the longer gap): the interval is set only by looks that found records.
  const uint64_t owed = expect_until_ns_;
  if (records >= kHeavyRecords)
    gap_ns_ = std::min(gap_ns_ * 2, kMaxGapNs);
  else if (records < kHeavyRecords / 2)
    gap_ns_ = kBaseGapNs;
  if (records > 0)
    expect_until_ns_ = std::max(owed, now_ns + static_cast<uint64_t>(look_again_ms()) * 1'000'000);
  return gap_ns_;
}

int WakeupPacer::look_again_ms() const {
  return static_cast<int>((gap_ns_ + kLookAgainMarginNs + 999'999) / 1'000'000);
}

}  // namespace th::probe
