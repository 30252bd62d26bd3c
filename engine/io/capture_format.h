// The binary capture format, version 1: what `capture` writes by default and `replay` reads
// (it tells it from JSON Lines by the first bytes). Made for speed: records are length-prefixed
// binary, numbers are LEB128 varints, and a process is written once (a process record) and then
// referenced by its pid from the events, again only when it changed.
//
//   file    := magic record*
//   magic   := 89 'T' 'H' 'C' 'A' 'P' 0D 0A           (8 bytes; catches text-mode mangling)
//   record  := length:u32le kind:u8 payload[length]   (length counts the payload only)
//
// Kinds (RecordKind): header first, then process and event records in the order the capture saw
// them, and an end record when the capture closed normally (its absence means a truncated file).
// A reader skips record kinds it does not know, so new kinds need no new version; a change to an
// existing record's layout bumps kVersion. The payload layouts are in capture_writer.cpp, read
// back by capture_reader.cpp; the field order of each is the order of the put/get calls there.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace th::capture {

inline constexpr std::array<char, 8> kMagic = {'\x89', 'T', 'H', 'C', 'A', 'P', '\r', '\n'};
inline constexpr uint32_t kVersion = 1;
// A record larger than this is corrupt (an argv is bounded by the probe to far less).
inline constexpr uint32_t kMaxRecordBytes = 1u << 20;
inline constexpr std::size_t kRecordHeaderBytes = 5;

enum class RecordKind : uint8_t {
  header = 1,   // version, flags, start time, hostname, producer
  process = 2,  // a snapshot of one process-table entry, replacing the previous one for its pid
  event = 3,    // one event; its processes are the latest snapshots of their pids
  end = 4,      // events written, kernel drops, process records: the capture closed normally
};

// Header flags.
inline constexpr uint64_t kFlagRulesOnly = 1;  // only what the loaded rules could match

// Presence bits of an event record: which optional fields follow, in this order.
enum EventField : uint32_t {
  kRes = 1u << 0,
  kActor = 1u << 1,  // absent: the same actor as the previous event record
  kTargetPid = 1u << 2,
  kTargetTid = 1u << 3,
  kTargetArgPid = 1u << 4,
  kTargetIsDescendant = 1u << 5,
  kRequest = 1u << 6,
  kAddr = 1u << 7,
  kData = 1u << 8,
  kBytes = 1u << 9,
  kOpenFlags = 1u << 10,
  kPath = 1u << 11,
  kExepath = 1u << 12,
  kArgv = 1u << 13,
  kExeFromMemfd = 1u << 14,  // no payload: the bit is the value
  kCgroup = 1u << 15,
  kFilelessFds = 1u << 16,
  kExeIdentity = 1u << 17,   // dev, ino
  kEnvInjection = 1u << 18,
  kChildPid = 1u << 19,
  kChildTid = 1u << 20,
  kCloneFlags = 1u << 21,
  kExitCode = 1u << 22,
  kOffset = 1u << 23,
  kFd = 1u << 24,  // absent: -1
  kTargetFd = 1u << 25,     // absent: -1
  kTakenMemFile = 1u << 26, // no payload: the bit is the value
  kTakenMemPid = 1u << 27,
  kIoUring = 1u << 28,      // no payload: the bit is the value
  kAllEventFields = (1u << 29) - 1,
};

// Flags of a process record.
inline constexpr uint64_t kProcExeFromMemfd = 1, kProcExeIdentity = 2, kProcExited = 4;

// True when `head` starts like a binary capture.
inline bool looks_binary(std::string_view head) {
  return head.size() >= kMagic.size() &&
         head.substr(0, kMagic.size()) == std::string_view(kMagic.data(), kMagic.size());
}

}  // namespace th::capture
