// How long the kernel lets lifecycle and bulk records wait before it wakes the reader
// (probe/wakeup.bpf.h), and how soon the reader looks again on its own. A wakeup costs the
// reader a context switch, and on a virtual machine that switch dominates what the detector
// spends on a stream of records (bench/RESULTS.md, "What a turn of the event loop costs"). So
// while a heavy stream flows the gap doubles, up to kMaxGapNs: the same records arrive in fewer,
// larger batches. One look with few records brings the base gap back, so that a light stream
// (and the first record after a quiet spell, which always wakes at once) keeps its latency.
// Injection records are not paced: they always wake the reader.
#pragma once

#include <cstddef>
#include <cstdint>

namespace th::probe {

class WakeupPacer {
 public:
  static constexpr uint64_t kBaseGapNs = 4'000'000;
  static constexpr uint64_t kMaxGapNs = 32'000'000;
  // A look that took at least this many records found a heavy stream; fewer than half as many,
  // a light one.
  static constexpr std::size_t kHeavyRecords = 32;
  // The reader's own look comes this long after the kernel's gap, so that while records flow
  // the kernel's wakeup, not the reader's timer, ends its sleep.
  static constexpr uint64_t kLookAgainMarginNs = 2'000'000;

  // After a look at `now_ns` (any monotonic clock) that took `records` records: the gap the
  // kernel is to use from now on.
  uint64_t after_look(std::size_t records, uint64_t now_ns);
  uint64_t gap_ns() const { return gap_ns_; }
  // How soon to look again, without a wakeup, after a look that found records (ms, rounded
  // up): a record committed silently was committed less than a gap after the wakeup the reader
  // answered, so it waits at most this long, and only at the end of a stream.
  int look_again_ms() const;
  // True until one look-again interval after the last look that found records: records may
  // still have been committed silently, even if a look since (the reader woken early by
  // something else) found none.
  bool expecting(uint64_t now_ns) const { return now_ns < expect_until_ns_; }

 private:
  uint64_t gap_ns_ = kBaseGapNs;
  uint64_t expect_until_ns_ = 0;
};

}  // namespace th::probe
