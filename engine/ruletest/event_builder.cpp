#include "engine/ruletest/event_builder.h"

#include <span>
#include <string_view>
#include <vector>

#include "engine/eval/compiler.h"  // closest_name

namespace th::ruletest {
namespace {

using json = nlohmann::json;
using Keys = std::span<const std::string_view>;

// The keys event_from_json reads (see schema/event.schema.json).
constexpr std::string_view kEventKeys[] = {"type", "time", "res",  "proc", "target", "ptrace",
                             "vm",   "open", "exec", "fork", "exit"};
constexpr std::string_view kProcessKeys[] = {"pid",   "ppid",        "vpid",      "pidns",
                               "uid",   "loginuid",    "tty",       "start_time",
                               "cgroup_id", "name",    "exepath",   "argv",
                               "container_id", "container_full_id", "exe_from_memfd"};
constexpr std::string_view kProcExtra[] = {"tid", "ancestors"};
constexpr std::string_view kTargetExtra[] = {"tid", "is_descendant"};
constexpr std::string_view kPtraceKeys[] = {"request", "addr", "data", "pid"};
constexpr std::string_view kVmKeys[] = {"bytes", "pid"};
constexpr std::string_view kOpenKeys[] = {"path", "flags", "pid"};
constexpr std::string_view kExecKeys[] = {"exepath", "argv", "memfd", "fileless_fds"};
constexpr std::string_view kForkKeys[] = {"child_pid", "child_tid", "flags"};
constexpr std::string_view kExitKeys[] = {"code"};

bool in(Keys keys, std::string_view k) {
  for (auto key : keys)
    if (key == k) return true;
  return false;
}

std::optional<EventProblem> unknown_keys(const json& obj, const std::string& prefix, Keys a,
                                         Keys b = {}) {
  if (!obj.is_object()) return std::nullopt;  // event_from_json names the wrong type
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (in(a, it.key()) || in(b, it.key())) continue;
    std::vector<std::string_view> cands(a.begin(), a.end());
    cands.insert(cands.end(), b.begin(), b.end());
    std::string hint = closest_name(it.key(), cands);
    return EventProblem{prefix + it.key(), "unknown key '" + it.key() + "'" +
                                               (hint.empty() ? "" : "; did you mean '" + hint + "'?")};
  }
  return std::nullopt;
}

// Which kind-specific object an event type reads ("" for none).
std::string_view args_key(EvtType t) {
  switch (evt_family(t)) {
    case EvtFamily::ptrace: return "ptrace";
    case EvtFamily::vm_write:
    case EvtFamily::vm_read: return "vm";
    case EvtFamily::mem_open: return "open";
    case EvtFamily::exec: return "exec";
    case EvtFamily::fork: return "fork";
    case EvtFamily::exit: return "exit";
  }
  return "";
}

// Book entry under the event's own keys.
json merged(const json& base, const json& over) {
  json out = base;
  if (over.is_object())
    for (auto it = over.begin(); it != over.end(); ++it) out[it.key()] = it.value();
  return out;
}

std::optional<int64_t> int_at(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_number_integer()) return std::nullopt;
  return obj.at(key).get<int64_t>();
}

}  // namespace

std::optional<EventProblem> check_event_keys(const json& ev) {
  if (!ev.is_object()) return EventProblem{"", "an event must be a mapping"};
  if (auto p = unknown_keys(ev, "", kEventKeys)) return p;
  std::optional<EvtType> type;
  if (ev.contains("type") && ev.at("type").is_string())
    type = evt_type_from_name(ev.at("type").get<std::string>());
  if (type) {
    // An argument object of another kind would be ignored: say so instead.
    for (std::string_view k : {"ptrace", "vm", "open", "exec", "fork", "exit"}) {
      if (!ev.contains(std::string(k)) || k == args_key(*type)) continue;
      std::string msg = "'";
      msg.append(k).append("' does not apply to ").append(evt_type_name(*type)).append(" events");
      if (!args_key(*type).empty()) msg.append("; use '").append(args_key(*type)).append("'");
      return EventProblem{std::string(k), msg};
    }
    if (ev.contains("target") && !evt_has_target(*type))
      return EventProblem{"target", "'target' does not apply to " +
                                        std::string(evt_type_name(*type)) + " events"};
  }
  if (ev.contains("proc")) {
    const json& p = ev.at("proc");
    if (auto pr = unknown_keys(p, "proc.", kProcessKeys, kProcExtra)) return pr;
    if (p.is_object() && p.contains("ancestors") && p.at("ancestors").is_array()) {
      const json& an = p.at("ancestors");
      for (std::size_t i = 0; i < an.size(); ++i)
        if (auto pr = unknown_keys(an[i], "proc.ancestors[" + std::to_string(i) + "].",
                                   kProcessKeys))
          return pr;
    }
  }
  if (ev.contains("target"))
    if (auto pr = unknown_keys(ev.at("target"), "target.", kProcessKeys, kTargetExtra)) return pr;
  struct Sub {
    const char* key;
    Keys keys;
  };
  for (const Sub& s : {Sub{"ptrace", kPtraceKeys}, Sub{"vm", kVmKeys}, Sub{"open", kOpenKeys},
                       Sub{"exec", kExecKeys}, Sub{"fork", kForkKeys}, Sub{"exit", kExitKeys}})
    if (ev.contains(s.key))
      if (auto pr = unknown_keys(ev.at(s.key), std::string(s.key) + ".", s.keys)) return pr;
  return std::nullopt;
}

std::optional<EventProblem> check_process_keys(const json& p) {
  if (!p.is_object()) return EventProblem{"", "a process must be a mapping"};
  if (auto pr = unknown_keys(p, "", kProcessKeys)) return pr;
  auto pid = int_at(p, "pid");
  if (!pid || *pid <= 0) return EventProblem{"pid", "a declared process needs a positive pid"};
  return std::nullopt;
}

json complete_event(const json& ev, const ProcessBook& book) {
  if (!ev.is_object()) return ev;
  json out = ev;
  std::optional<EvtType> type;
  if (ev.contains("type") && ev.at("type").is_string())
    type = evt_type_from_name(ev.at("type").get<std::string>());

  // The acting process: event_from_json's default pid is 1000.
  int64_t pid = 1000;
  if (ev.contains("proc")) pid = int_at(ev.at("proc"), "pid").value_or(1000);
  if (auto it = book.find(pid); it != book.end())
    out["proc"] = merged(it->second, ev.contains("proc") ? ev.at("proc") : json::object());

  if (!type || !evt_has_target(*type)) return out;
  std::string args(args_key(*type));
  std::optional<int64_t> tpid;
  if (ev.contains("target")) tpid = int_at(ev.at("target"), "pid");
  if (!tpid && ev.contains(args)) tpid = int_at(ev.at(args), "pid");
  if (tpid) {
    if (auto it = book.find(*tpid); it != book.end())
      out["target"] = merged(it->second, ev.contains("target") ? ev.at("target") : json::object());
  }
  if (evt_family(*type) == EvtFamily::mem_open && tpid && *tpid > 0) {
    json& open = out["open"];
    if (open.is_null()) open = json::object();
    if (open.is_object() && !open.contains("path"))
      open["path"] = "/proc/" + std::to_string(*tpid) + "/mem";
  }
  return out;
}

std::optional<EventRecord> build_event(const json& ev, const ProcessBook& book, uint64_t index,
                                       EventProblem& problem) {
  if (auto p = check_event_keys(ev)) {
    problem = *p;
    return std::nullopt;
  }
  std::string error;
  auto rec = event_from_json(complete_event(ev, book), EventDefaults{.index = index}, error);
  if (!rec) {
    // event_from_json says "ptrace.request: unknown request ..."; keep the path apart.
    auto colon = error.find(": ");
    bool has_path = colon != std::string::npos && error.find(' ') > colon;
    problem = {has_path ? error.substr(0, colon) : "", error};
  }
  return rec;
}

std::optional<Process> build_process(const json& p, EventProblem& problem) {
  if (auto pr = check_process_keys(p)) {
    problem = *pr;
    return std::nullopt;
  }
  std::string error;
  json ev = {{"type", "procexit"}, {"proc", p}};
  auto rec = event_from_json(ev, EventDefaults{}, error);
  if (!rec || !rec->proc) {
    // Errors name "proc.<key>": the declared process is the proc object here.
    std::string msg = error.rfind("proc.", 0) == 0 ? error.substr(5) : error;
    auto colon = msg.find(": ");
    problem = {colon == std::string::npos ? "" : msg.substr(0, colon), msg};
    return std::nullopt;
  }
  return rec->proc;
}

}  // namespace th::ruletest
