// The detector: one event's way through the engine, the same in live mode, replay and rule tests.
// It enriches the event from the process table (acting process, target), keeps the table current
// with fork/exec/exit, evaluates the rules indexed for the event type, folds repeated matches into
// sessions, bounds what is left per (rule, acting binary, user), and hands alerts to the sink.
// Whether a match is alerted is decided before its alert is rendered: a folded or held-back match
// costs a lookup and a count, which is what a flood multiplies.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/alert_sink.h"
#include "engine/fold/rate_limiter.h"
#include "engine/fold/session_folder.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/process_table.h"
#include "engine/rules/ruleset.h"

namespace th {

// Work beside the rules on the detector's path, the same live and in replay (live: container
// metadata from the runtime). after_event sees each event once the rules and the process table
// are done with it; on_tick runs at each tick, before folding windows close.
struct DetectorHooks {
  std::function<void(const Event&)> after_event;
  std::function<void(ProcessTable&, uint64_t now_ns)> on_tick;
};

struct DetectorOptions {
  std::string hostname;  // for alerts; empty means gethostname()
  FoldOptions fold;
  // Off by default: `run` turns it on from the config (rate_limit:), while replay and rule tests
  // see every alert.
  RateLimitOptions rate_limit;
  DetectorHooks hooks;
  // Said in the alerts of `action: kill` rules (enforcement.mode): off, dry_run or enforce.
  std::string enforcement_mode = "off";
};

class Detector {
 public:
  Detector(std::shared_ptr<const Ruleset> rules, ProcessTable& table, AlertSink& sink,
           DetectorOptions opts = {});

  // Swaps in a new ruleset between events (rule reload). Open sessions are flushed first.
  void set_ruleset(std::shared_ptr<const Ruleset> rules);
  const Ruleset& ruleset() const { return *rules_; }

  void process(Event& e);
  // Closes folding windows that have passed, emits the rate-limit summaries that are due and
  // reaps the process table; call periodically.
  void tick(uint64_t now_ns);
  // Emits the summaries of every open session (end of replay, shutdown).
  void finish();

  uint64_t events() const { return events_; }
  uint64_t alerts() const { return alerts_; }

  // The alert for `rule` matching `e` (public for tests and the rule-test runner).
  Alert make_alert(const CompiledRule& rule, const Event& e);

 private:
  void emit(const Alert& a);
  void emit_all(std::vector<Alert>& pending);
  void on_match(const CompiledRule& r, const Event& e);
  void bind_rule_metrics();

  std::shared_ptr<const Ruleset> rules_;
  ProcessTable& table_;
  AlertSink& sink_;
  DetectorOptions opts_;
  SessionFolder folder_;
  RateLimiter limiter_;
  Scratch scratch_;
  std::vector<Alert> pending_;
  uint64_t events_ = 0;
  uint64_t alerts_ = 0;
  std::array<Counter*, kEvtTypeCount> events_by_type_{};
  std::unordered_map<const CompiledRule*, Counter*> matches_by_rule_;
  Histogram* eval_seconds_ = nullptr;
};

}  // namespace th
