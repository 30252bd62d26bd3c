#include "engine/cli/enforcement.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "engine/cli/internal_alert.h"
#include "engine/detect/enrich.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/proc_file.h"

namespace th::cli {
namespace {

// The state letter of the process, or 0 when it is gone. Read without iostreams: the injector
// is being killed while it is looked at (engine/proc/proc_file.h).
char process_state(int32_t pid) { return th::process_state("/proc", pid); }

std::string state_name(char s) {
  switch (s) {
    case 0: return "gone";
    case 'T':
    case 't': return "stopped";
    case 'Z':
    case 'X': return "exited";
    default: return "running";
  }
}

bool gone(int32_t pid) {
  char s = process_state(pid);
  return s == 0 || s == 'Z' || s == 'X';
}

// Polls `done` for up to `ms` milliseconds.
template <class F>
bool within_ms(int ms, F done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

probe::EnforceMode probe_enforce_mode(EnforcementMode m) {
  switch (m) {
    case EnforcementMode::enforce: return probe::EnforceMode::enforce;
    case EnforcementMode::dry_run: return probe::EnforceMode::dry_run;
    case EnforcementMode::off: break;
  }
  return probe::EnforceMode::off;
}

bool enforcement_plan(const Config& cfg, const Ruleset& rules, probe::EnforcementPlan& plan,
                      std::string& error) {
  plan.mode = probe_enforce_mode(cfg.enforcement.mode);
  plan.kills_per_second = cfg.enforcement.max_kills_per_second;
  std::vector<std::string> paths;
  std::vector<uint32_t> uids;
  for (const auto& a : cfg.enforcement.allow) {
    if (auto uid = enforcement_allow_uid(a)) uids.push_back(*uid);
    else paths.push_back(a);
  }
  return probe::encode_enforcement(rules.kill_program(), rules.kill_interest(), paths, uids, plan,
                                   error);
}

EnforcementReporter::EnforcementReporter(AlertSink& sink, std::string hostname,
                                         EnforcementMode mode)
    : sink_(sink), hostname_(std::move(hostname)), mode_(mode) {}

// A killed PTRACE_ATTACH queued a SIGSTOP for its target: once the tracer is gone, the target
// would stay in that group stop (so would the tracee of a tracer killed at a write). It is
// continued only when it was not stopped before the attach (the kernel looked at its entry); a
// process someone had stopped, or one attached before tracehound watched, stays as it is.
std::string EnforcementReporter::resume_victim(const probe::EnforcementRecord& r) {
  const Event& e = r.event;
  int32_t victim = e.target_pid;
  if (victim <= 0) return "unknown";
  if (r.result != TH_ER_KILLED || e.type != EvtType::ptrace)
    return state_name(process_state(victim));
  if (r.target_was_stopped != 0) return state_name(process_state(victim)) + " (stopped before)";
  within_ms(200, [&] { return gone(e.actor.pid); });  // detached when the tracer is gone
  bool running = within_ms(200, [&] {
    ::kill(victim, SIGCONT);
    char s = process_state(victim);
    return s != 'T' && s != 't';
  });
  return running ? "running (resumed)" : state_name(process_state(victim));
}

void EnforcementReporter::note_rate_limited(uint64_t now_ns, const std::string& rule) {
  if (now_ns - last_rate_alert_ns_ < 1'000'000'000ull) return;
  last_rate_alert_ns_ = now_ns;
  sink_.emit(internal_alert(now_ns, "enforcement rate limit", Priority::critical, hostname_,
                            "more kills than enforcement.max_kills_per_second: rule '" + rule +
                                "' matched and was only alerted on, nothing was killed"));
}

void EnforcementReporter::handle(const probe::EnforcementRecord& r, Detector& detector,
                                 ProcessTable& table) {
  ++decisions_;
  std::string rule_name = "unknown rule";
  const CompiledRule* rule = nullptr;
  if (rules_ && r.rule < rules_->kill_program().rules.size()) {
    rule_name = rules_->kill_program().rules[r.rule];
    rule = rules_->find_rule(rule_name);
  }
  std::string result(probe::enforce_result_name(r.result));
  std::string victim = resume_victim(r);
  Metrics::global()
      .counter("tracehound_enforcement_actions_total", "Kill decisions of the kernel, by result",
               {{"rule", rule_name}, {"action", "kill"}, {"result", result}})
      .inc();
  Event e = r.event;
  enrich_event(e, table);
  Alert a;
  if (rule) {
    a = detector.make_alert(*rule, e);
  } else {
    a = internal_alert(e.ts_ns, "enforcement", Priority::critical, hostname_,
                       "a kill rule matched that the loaded rules no longer name");
  }
  std::string said = result;
  if (r.result == TH_ER_SPARED) said += " (" + std::string(probe::enforce_spared_name(r.spared)) + ")";
  if (r.result == TH_ER_KILL_FAILED) said += " (error " + std::to_string(r.signal_err) + ")";
  if (r.result == TH_ER_DRY_RUN) said = "dry_run (would have killed pid " + std::to_string(e.actor.pid) + ")";
  a.output += " | enforcement=kill result=" + said + " victim=" + victim;
  a.output_fields["enforcement.action"] = "kill";
  a.output_fields["enforcement.mode"] = std::string(enforcement_mode_name(mode_));
  a.output_fields["enforcement.result"] = result;
  a.output_fields["enforcement.point"] = r.point == TH_EP_ENTER ? "before the call" : "after the call";
  a.output_fields["enforcement.victim_state"] = victim;
  a.output_fields["enforcement.killed_pid"] = r.result == TH_ER_KILLED ? e.actor.pid : 0;
  spdlog::warn("enforcement: rule '{}' {} pid {} ({})", rule_name, said, e.actor.pid,
               e.actor.comm);
  sink_.emit(a);
  if (r.result == TH_ER_RATE_LIMITED) note_rate_limited(e.ts_ns, rule_name);
}

}  // namespace th::cli
