// Prevention, user-space side of the probe: the kill rules' program (engine/enforce) encoded for
// the kernel's maps (probe/enforce.h), executables named by path turned into file identities, and
// the kernel's decision records decoded. Pure except for host_exe_key (stat), so unit-tested.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/event.h"
#include "engine/core/interest.h"
#include "engine/enforce/program.h"
#include "probe/enforce.h"

namespace th::probe {

enum class EnforceMode : uint8_t { off = 0, dry_run = 1, enforce = 2 };

// What the loader writes into the enforcement maps.
struct EnforcementPlan {
  EnforceMode mode = EnforceMode::off;
  uint32_t kills_per_second = 10;
  Interest interest;  // what the kill rules can match: the prefilter
  std::vector<th_enforce_insn> insns;
  std::vector<std::pair<th_exe_key, uint64_t>> exes;  // identity -> list bits (and allow bit)
  std::vector<uint32_t> allow_uids;
};

// The identity of the host's file at `path` (stat, symlinks followed), as the kernel encodes it;
// nullopt when there is no such file.
std::optional<th_exe_key> host_exe_key(const std::string& path);
using ExeKeyFn = std::function<std::optional<th_exe_key>(const std::string&)>;

// Fills `out` (mode and cap are left as they are). False and `error` when the program does not
// fit the kernel's maps.
bool encode_enforcement(const enforce::Program& program, const Interest& interest,
                        const std::vector<std::string>& allow_paths,
                        const std::vector<uint32_t>& allow_uids, EnforcementPlan& out,
                        std::string& error, const ExeKeyFn& key_of = host_exe_key);

// One decision of the kernel.
struct EnforcementRecord {
  Event event;  // the caller's syscall, as a record of its kind would describe it
  uint32_t rule = 0;  // index into the program's rules
  th_enforce_result result = TH_ER_KILLED;
  th_enforce_spared spared = TH_ES_NONE;
  th_enforce_point point = TH_EP_ENTER;
  int32_t signal_err = 0;
  uint8_t target_was_stopped = 2;  // 0 no, 1 yes, 2 unknown
};

bool decode_enforcement(std::span<const std::byte> record, int64_t boot_to_epoch_ns,
                        EnforcementRecord& out);

std::string_view enforce_result_name(th_enforce_result r);  // "killed", "dry_run", ...
std::string_view enforce_spared_name(th_enforce_spared s);  // "pid 1", "allow list", ...

}  // namespace th::probe
