// Prevention, user-space side of `run` (README "Prevention"): the kill rules' program and the
// allow list handed to the probe, and the kernel's decisions turned into alerts and metrics. A
// decision is alerted with its rule's name, priority and output, plus what was done (`enforcement`
// fields: action, mode, result, victim state); a target a killed PTRACE_ATTACH left in the group
// stop it queued is resumed, unless it was stopped before.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/config/config.h"
#include "engine/core/alert_sink.h"
#include "engine/detect/detector.h"
#include "engine/rules/ruleset.h"
#include "probe/enforce_map.h"

namespace th::cli {

probe::EnforceMode probe_enforce_mode(EnforcementMode m);

// The probe's enforcement maps for `rules` under `cfg.enforcement`. False and `error` when the
// rules do not fit the kernel's program.
bool enforcement_plan(const Config& cfg, const Ruleset& rules, probe::EnforcementPlan& plan,
                      std::string& error);

class EnforcementReporter {
 public:
  EnforcementReporter(AlertSink& sink, std::string hostname, EnforcementMode mode);
  void set_rules(std::shared_ptr<const Ruleset> rules) { rules_ = std::move(rules); }
  // One decision: resumes the victim of a killed attach, alerts, counts.
  void handle(const probe::EnforcementRecord& r, Detector& detector, ProcessTable& table);
  uint64_t decisions() const { return decisions_; }

 private:
  std::string resume_victim(const probe::EnforcementRecord& r);
  void note_rate_limited(uint64_t now_ns, const std::string& rule);

  AlertSink& sink_;
  std::string hostname_;
  EnforcementMode mode_;
  std::shared_ptr<const Ruleset> rules_;
  uint64_t decisions_ = 0;
  uint64_t last_rate_alert_ns_ = 0;
};

}  // namespace th::cli
