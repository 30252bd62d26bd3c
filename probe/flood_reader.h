// Reads the probe's flood map (flood_control.bpf.h): which processes the kernel held back, how
// many of their records, and how many of those it let through were lost to a full ring.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "probe/tracehound.h"

namespace th::probe {

// One repetitive stream of records: a process, a kind (and ptrace request), a target, an
// outcome. Counts are what changed since the previous read.
struct Flooder {
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string comm;
  th_kind kind = TH_KIND_PTRACE;
  int64_t request = 0;  // ptrace request (kind ptrace only)
  int32_t target = 0;   // the target pid as the process named it (latest one), 0 for none
  bool failed = false;  // the calls failed
  uint64_t held = 0;    // records aggregated in the kernel (counted, not sent)
  uint64_t sent = 0;    // records sent
  uint64_t dropped = 0; // records sent but lost: the ring was full
};

// Remembers the monotonic counts of each key so that every read reports only what is new.
class FloodReader {
 public:
  // The keys whose held or dropped counts grew since the last call, most held first.
  std::vector<Flooder> read(int map_fd);

 private:
  struct Seen {
    uint64_t held = 0, sent = 0, dropped = 0;
  };
  std::map<std::string, Seen> seen_;  // by the key's bytes
};

}  // namespace th::probe
