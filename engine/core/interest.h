// What the loaded rules could possibly match, derived from the compiled ruleset. The probe loader
// writes it into the kernel's interest maps so that everything else is dropped in the kernel.
// State-keeping events (fork, exec, exit) always flow, whatever this says.
#pragma once

#include <bitset>
#include <cstdint>

#include "engine/core/evt_type.h"

namespace th {

// ptrace requests are sparse: 0..63 and 0x4200..0x423f. This maps them onto 128 bits; every
// other number is "other".
inline constexpr int kPtraceSlotCount = 128;
inline constexpr int ptrace_request_slot(int64_t request) {
  if (request >= 0 && request < 64) return static_cast<int>(request);
  if (request >= 0x4200 && request < 0x4240) return 64 + static_cast<int>(request - 0x4200);
  return -1;
}

struct Interest {
  EvtTypeSet types;                          // evt.type values some rule can match
  std::bitset<kPtraceSlotCount> ptrace;      // requests some ptrace rule can match (by slot)
  bool ptrace_other = false;                 // requests outside the slots
  bool mem_open_write = false;               // opens of a memory file for writing
  bool mem_open_read = false;                // ... read-only

  bool wants_ptrace(int64_t request) const {
    if (!types.contains(EvtType::ptrace)) return false;
    int slot = ptrace_request_slot(request);
    return slot < 0 ? ptrace_other : ptrace.test(static_cast<std::size_t>(slot));
  }
  static Interest everything() {
    Interest i;
    i.types = EvtTypeSet::all();
    i.ptrace.set();
    i.ptrace_other = true;
    i.mem_open_write = i.mem_open_read = true;
    return i;
  }
};

}  // namespace th
