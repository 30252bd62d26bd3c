#include "engine/fold/session_folder.h"

#include "engine/core/ptrace_request.h"
#include "engine/metrics/metrics.h"

namespace th {

SessionFolder::SessionFolder(FoldOptions opts) : opts_(opts) {}

std::string SessionFolder::what(const Event& e) {
  if (e.type == EvtType::ptrace) {
    std::string_view n = ptrace_request_name(e.request);
    return n.empty() ? "ptrace(" + std::to_string(e.request) + ")" : std::string(n);
  }
  return std::string(evt_type_name(e.type));
}

bool SessionFolder::on_match(const Alert& alert, bool fold, const Event& e,
                             std::vector<Alert>& out) {
  if (!opts_.enabled || !fold) return true;
  Key key{alert.rule, e.actor.pid, evt_has_target(e.type) ? e.target_pid : 0};
  auto it = sessions_.find(key);
  if (it != sessions_.end() && e.ts_ns >= it->second.start_ns + opts_.window_ns) {
    close(it, "window closed", out);  // this match starts a new session
    it = sessions_.end();
  }
  if (it == sessions_.end()) {
    if (sessions_.size() >= opts_.max_sessions) {
      // Bound the state: the session that started first is closed early, with its summary.
      auto oldest = sessions_.begin();
      for (auto s = sessions_.begin(); s != sessions_.end(); ++s)
        if (s->second.start_ns < oldest->second.start_ns) oldest = s;
      close(oldest, "session table full", out);
    }
    Session s;
    s.first = alert;
    s.start_ns = s.last_ns = e.ts_ns;
    s.requests[what(e)] = 1;
    sessions_.emplace(std::move(key), std::move(s));
    return true;
  }
  Session& s = it->second;
  ++s.folded;
  s.last_ns = e.ts_ns;
  ++s.requests[what(e)];
  Metrics::global()
      .counter("tracehound_folded_matches_total",
               "Rule matches folded into an open session instead of alerting", {{"rule", alert.rule}})
      .inc();
  return false;
}

void SessionFolder::close(std::map<Key, Session>::iterator it, const char* reason,
                          std::vector<Alert>& out) {
  Session& s = it->second;
  if (s.folded > 0) {
    Alert a = s.first;
    a.time_ns = s.last_ns;
    std::string requests;
    auto list = nlohmann::ordered_json::object();
    for (const auto& [name, n] : s.requests) {
      if (!requests.empty()) requests += ", ";
      requests += name + " x" + std::to_string(n);
      list[name] = n;
    }
    a.output = format_evt_time(s.last_ns) + ": " + std::string(priority_name(a.priority)) +
               " Session summary for rule '" + a.rule + "': " + std::to_string(s.folded) +
               " further matches folded after the first alert (" + reason + "; requests: " +
               requests + ")";
    a.output_fields["tracehound.summary"] = true;
    a.output_fields["tracehound.folded"] = s.folded;
    a.output_fields["tracehound.requests"] = std::move(list);
    a.output_fields["tracehound.session_start"] = format_rfc3339_ns(s.start_ns);
    a.output_fields["tracehound.session_end"] = format_rfc3339_ns(s.last_ns);
    a.output_fields["tracehound.close_reason"] = reason;
    out.push_back(std::move(a));
  }
  sessions_.erase(it);
}

void SessionFolder::on_event(const Event& e, std::vector<Alert>& out) {
  bool detach = e.type == EvtType::ptrace && e.request == 17 /* PTRACE_DETACH */ && e.res == 0;
  bool exit = e.type == EvtType::procexit;
  if (!detach && !exit) return;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const auto& [rule, tracer, target] = it->first;
    bool ends = detach ? (tracer == e.actor.pid && target == e.target_pid)
                       : (tracer == e.actor.pid || target == e.actor.pid);
    if (ends)
      close(it++, detach ? "tracer detached" : "process exited", out);
    else
      ++it;
  }
}

void SessionFolder::expire(uint64_t now_ns, std::vector<Alert>& out) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now_ns >= it->second.start_ns + opts_.window_ns)
      close(it++, "window closed", out);
    else
      ++it;
  }
}

void SessionFolder::flush(std::vector<Alert>& out) {
  while (!sessions_.empty()) close(sessions_.begin(), "shutdown", out);
}

}  // namespace th
