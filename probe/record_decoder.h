// Ring-buffer records (probe/tracehound.h) to th::Event. Pure: no kernel needed, so malformed and
// edge-case records are unit-tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/core/event.h"
#include "probe/enforce.h"
#include "probe/tracehound.h"

namespace th::probe {

// The metric label of a record kind ("ptrace", "process_vm_writev", ..., "exit").
std::string_view kind_name(th_kind kind);

// What the record said beyond the Event (for statistics and tests).
struct RecordInfo {
  th_kind kind = TH_KIND_COUNT;
  th_abi abi = TH_ABI_X64;
  th_resolved_by resolved_by = TH_RESOLVED_NONE;
  bool truncated = false;  // a path, argv or iovec sum was cut to fit the record
};

// Fills `ev` (every field is overwritten; string and vector capacity is reused) from one
// record. `boot_to_epoch_ns` is added to the kernel's CLOCK_BOOTTIME stamp. False when the
// record is malformed (short, unknown kind or syscall, lengths out of range); `ev` is then
// unspecified.
bool decode_record(std::span<const std::byte> record, int64_t boot_to_epoch_ns, Event& ev,
                   RecordInfo& info);

// The call an enforcement decision was about (probe/enforce.h), as an Event of its type.
bool decode_enforced_call(const th_enforce_event& r, int64_t boot_to_epoch_ns, Event& ev);

// Exit code as a shell shows it: the exit status, or 128 + the signal that ended the process.
int32_t exit_code_from_wait_status(uint32_t status);

// CLOCK_REALTIME - CLOCK_BOOTTIME, now.
int64_t boot_to_epoch_offset_ns();

}  // namespace th::probe
