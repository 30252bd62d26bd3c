#include "engine/io/event_keys.h"

#include <vector>

#include "engine/core/closest_name.h"

namespace th {
namespace {

using json = nlohmann::json;
using event_keys::Keys;

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
    return EventProblem{prefix + it.key(),
                        "unknown key '" + it.key() + "'" + did_you_mean(it.key(), cands)};
  }
  return std::nullopt;
}

// An argument object of another kind, or a target where there is none, would be ignored.
std::optional<EventProblem> misplaced_objects(const json& ev, EvtType type) {
  std::string_view own = event_keys::args_key(type);
  for (const auto& f : event_keys::kFamilyArgs) {
    std::string k(f.key);
    if (!ev.contains(k) || f.key == own) continue;
    std::string msg = "'" + k + "' does not apply to " + std::string(evt_type_name(type)) +
                      " events";
    if (!own.empty()) msg.append("; use '").append(own).append("'");
    return EventProblem{k, msg};
  }
  if (ev.contains("target") && !evt_has_target(type))
    return EventProblem{"target", "'target' does not apply to " +
                                      std::string(evt_type_name(type)) + " events"};
  return std::nullopt;
}

}  // namespace

std::optional<EventProblem> check_process_object_keys(const json& p, const std::string& prefix,
                                                      Keys extra) {
  return unknown_keys(p, prefix, event_keys::kProcess, extra);
}

std::optional<EventProblem> check_event_keys(const json& ev) {
  if (!ev.is_object()) return EventProblem{"", "an event must be a mapping"};
  if (auto p = unknown_keys(ev, "", event_keys::kEvent)) return p;
  if (ev.contains("type") && ev.at("type").is_string())
    if (auto type = evt_type_from_name(ev.at("type").get<std::string>()))
      if (auto p = misplaced_objects(ev, *type)) return p;
  if (ev.contains("proc")) {
    const json& p = ev.at("proc");
    if (auto pr = check_process_object_keys(p, "proc.", event_keys::kProcExtra)) return pr;
    if (p.is_object() && p.contains("ancestors") && p.at("ancestors").is_array()) {
      const json& an = p.at("ancestors");
      for (std::size_t i = 0; i < an.size(); ++i)
        if (auto pr = check_process_object_keys(an[i],
                                                "proc.ancestors[" + std::to_string(i) + "]."))
          return pr;
    }
  }
  if (ev.contains("target"))
    if (auto pr = check_process_object_keys(ev.at("target"), "target.", event_keys::kTargetExtra))
      return pr;
  for (const auto& f : event_keys::kFamilyArgs) {
    std::string k(f.key);
    if (ev.contains(k))
      if (auto pr = unknown_keys(ev.at(k), k + ".", f.keys)) return pr;
  }
  return std::nullopt;
}

}  // namespace th
