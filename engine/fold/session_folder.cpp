#include "engine/fold/session_folder.h"

#include "engine/core/ptrace_request.h"
#include "engine/fold/counts.h"
#include "engine/metrics/metrics.h"

namespace th {
namespace {

constexpr int64_t kPtraceDetach = 17;

}  // namespace

std::string_view close_reason_label(CloseReason r) {
  switch (r) {
    case CloseReason::window: return "window";
    case CloseReason::detach: return "detach";
    case CloseReason::exit: return "exit";
    case CloseReason::table_full: return "table_full";
    case CloseReason::shutdown: return "shutdown";
  }
  return "unknown";
}

std::string_view close_reason_text(CloseReason r) {
  switch (r) {
    case CloseReason::window: return "window closed";
    case CloseReason::detach: return "tracer detached";
    case CloseReason::exit: return "process exited";
    case CloseReason::table_full: return "session table full";
    case CloseReason::shutdown: return "shutdown";
  }
  return "unknown";
}

SessionFolder::SessionFolder(FoldOptions opts)
    : opts_(opts), metrics_(opts.metrics ? opts.metrics : &Metrics::global()) {}

std::string SessionFolder::what(const Event& e) {
  if (e.type == EvtType::ptrace) {
    std::string_view n = ptrace_request_name(e.request);
    return n.empty() ? "ptrace(" + std::to_string(e.request) + ")" : std::string(n);
  }
  return std::string(evt_type_name(e.type));
}

void SessionFolder::ref_pid(int32_t pid) {
  if (pid > 0) ++pid_refs_[pid];
}

void SessionFolder::unref_pid(int32_t pid) {
  if (pid <= 0) return;
  auto it = pid_refs_.find(pid);
  if (it != pid_refs_.end() && --it->second == 0) pid_refs_.erase(it);
}

SessionFolder::KeyView SessionFolder::key_of(std::string_view rule, const Event& e) {
  return {rule, e.actor.pid, evt_has_target(e.type) ? e.target_pid : 0};
}

bool SessionFolder::try_fold(std::string_view rule, bool fold, const Event& e,
                             std::vector<Alert>& out) {
  if (!folds(fold)) return false;
  auto it = sessions_.find(key_of(rule, e));
  if (it == sessions_.end()) return false;
  if (e.ts_ns >= it->second.start_ns + opts_.window_ns) {
    close(it, CloseReason::window, out);  // this match starts a new session
    return false;
  }
  Session& s = it->second;
  ++s.folded;
  if (e.ts_ns > s.last_ns) s.last_ns = e.ts_ns;
  ++s.requests[what(e)];
  s.folded_counter->inc();
  return true;
}

Alert* SessionFolder::open(std::string_view rule, bool fold, const Event& e,
                           std::vector<Alert>& out) {
  if (!folds(fold)) return nullptr;
  // Bound the state: the session opened first is closed early, with its summary.
  while (!order_.empty() && sessions_.size() >= opts_.max_sessions)
    close(sessions_.find(order_.front()), CloseReason::table_full, out);
  auto [rule_name, tracer, target] = key_of(rule, e);
  auto pos = sessions_.emplace(Key{rule_name, tracer, target}, Session{}).first;
  Session& s = pos->second;
  s.start_ns = s.last_ns = e.ts_ns;
  s.requests[what(e)] = 1;
  s.folded_counter = &metrics_->counter(
      "tracehound_folded_matches_total",
      "Rule matches folded into an open session instead of alerting", {{"rule", std::string(rule)}});
  s.order = order_.insert(order_.end(), pos->first);
  ref_pid(tracer);
  ref_pid(target);
  return &s.first;
}

void SessionFolder::close(SessionMap::iterator it, CloseReason reason, std::vector<Alert>& out) {
  Session& s = it->second;
  if (s.folded > 0) {
    Alert a = s.first;
    a.time_ns = s.last_ns;
    auto [requests, list] = render_counts(s.requests);
    // The summary keeps the first alert's output (tracer, target) after what was folded.
    a.output = alert_prefix(s.last_ns, a.priority) + "Session summary (" +
               std::string(close_reason_text(reason)) + "): " + std::to_string(s.folded) +
               " more match(es) folded after the first alert; requests: " + requests + " | " +
               std::string(alert_body(s.first));
    a.output_fields["tracehound.summary"] = true;
    a.output_fields["tracehound.summary_kind"] = "session";
    a.output_fields["tracehound.folded"] = s.folded;
    a.output_fields["tracehound.matches"] = s.folded + 1;
    a.output_fields["tracehound.requests"] = std::move(list);
    a.output_fields["tracehound.session_start"] = format_rfc3339_ns(s.start_ns);
    a.output_fields["tracehound.session_end"] = format_rfc3339_ns(s.last_ns);
    a.output_fields["tracehound.close_reason"] = std::string(close_reason_text(reason));
    metrics_
        ->counter("tracehound_fold_summaries_total",
                  "Session summaries emitted, by the reason the session closed",
                  {{"reason", std::string(close_reason_label(reason))}})
        .inc();
    out.push_back(std::move(a));
  }
  unref_pid(std::get<1>(it->first));
  unref_pid(std::get<2>(it->first));
  order_.erase(s.order);
  sessions_.erase(it);
}

void SessionFolder::on_event(const Event& e, std::vector<Alert>& out) {
  bool detach = e.type == EvtType::ptrace && e.request == kPtraceDetach && e.res == 0;
  // The probe reports procexit once per process (when its last thread exits).
  bool exit = e.type == EvtType::procexit;
  if (!detach && !exit) return;
  if (!has_sessions_of(e.actor.pid)) return;  // the common case: nothing to scan
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const auto& [rule, tracer, target] = it->first;
    bool ends = detach ? (tracer == e.actor.pid && target == e.target_pid && target > 0)
                       : (tracer == e.actor.pid || target == e.actor.pid);
    if (ends)
      close(it++, detach ? CloseReason::detach : CloseReason::exit, out);
    else
      ++it;
  }
}

void SessionFolder::expire(uint64_t now_ns, std::vector<Alert>& out) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now_ns >= it->second.start_ns + opts_.window_ns)
      close(it++, CloseReason::window, out);
    else
      ++it;
  }
}

void SessionFolder::flush(std::vector<Alert>& out) {
  while (!order_.empty()) close(sessions_.find(order_.front()), CloseReason::shutdown, out);
}

}  // namespace th
