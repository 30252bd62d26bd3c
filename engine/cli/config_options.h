// One mapping from the Config to the options of each part a command builds: the rule loader, the
// process table, the detector and the probe. Every command takes its options from here, so that a
// config key means the same in run, capture and replay.
#pragma once

#include "engine/config/config.h"
#include "engine/detect/detector.h"
#include "engine/proc/process_table.h"
#include "engine/rules/loader.h"
#include "probe/loader.h"

namespace th::cli {

LoadOptions load_options(const Config& cfg);
DetectorOptions detector_options(const Config& cfg);
// The alert rate limits (`rate_limit:`), which only `run` applies: replay and rule tests must see
// every alert.
RateLimitOptions rate_limit_options(const RateLimitConfig& c);

// Live: /proc of this host. Replay judges recorded processes only: nothing of this host's /proc
// leaks in.
enum class ProcSource : uint8_t { host, recorded_only };
ProcessTableOptions process_table_options(const Config& cfg, ProcSource source);

// The probe for this process (tracehound itself is ignored), watching what `interest` passes.
probe::ProbeOptions probe_options(const Config& cfg, const Interest& interest);

}  // namespace th::cli
