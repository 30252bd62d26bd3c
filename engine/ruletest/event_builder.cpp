#include "engine/ruletest/event_builder.h"

namespace th::ruletest {
namespace {

using json = nlohmann::json;

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

std::optional<EventProblem> check_process_keys(const json& p) {
  if (!p.is_object()) return EventProblem{"", "a process must be a mapping"};
  if (auto pr = check_process_object_keys(p, "")) return pr;
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
  std::string args(event_keys::args_key(*type));
  std::optional<int64_t> tpid;
  if (ev.contains("target")) tpid = int_at(ev.at("target"), "pid");
  if (!tpid && ev.contains(args)) tpid = int_at(ev.at(args), "pid");
  if (tpid) {
    if (auto it = book.find(*tpid); it != book.end())
      out["target"] = merged(it->second, ev.contains("target") ? ev.at("target") : json::object());
  }
  bool about_mem_file = evt_family(*type) == EvtFamily::mem_open ||
                        evt_family(*type) == EvtFamily::mem_write;
  if (about_mem_file && tpid && *tpid > 0) {
    json& file = out[args];
    if (file.is_null()) file = json::object();
    if (file.is_object() && !file.contains("path"))
      file["path"] = "/proc/" + std::to_string(*tpid) + "/mem";
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
