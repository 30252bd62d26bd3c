// Events and a detector over the default ruleset, for the tests of this folder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/detect/detector.h"
#include "engine/rules/loader.h"

namespace th::testing {

inline constexpr uint64_t kT0 = 1'767'225'600'000'000'000ull;
inline constexpr uint64_t kSec = 1'000'000'000ull;

class CollectingSink : public AlertSink {
 public:
  void emit(const Alert& a) override { alerts.push_back(a); }
  std::vector<Alert> alerts;
};

// prefix + n (spelled out: GCC 12 warns falsely on a short literal + std::to_string).
inline std::string numbered(std::string prefix, uint64_t n) { return prefix.append(std::to_string(n)); }

inline std::shared_ptr<const Ruleset> default_rules() {
  static auto rules = load_rules({std::string(TH_SOURCE_DIR) + "/rules"}).ruleset;
  return rules;
}

inline Process host_process(int32_t pid, int32_t ppid, uint32_t uid, std::string exe) {
  Process p;
  p.pid = p.vpid = pid;
  p.ppid = ppid;
  p.uid = uid;
  p.exepath = exe;
  p.comm = exe.substr(exe.rfind('/') + 1);
  p.argv = {exe};
  p.container_id = "host";
  p.refresh_cmdline();
  return p;
}

inline Event actor_event(EvtType type, int32_t pid, uint32_t uid, uint64_t ts) {
  Event e;
  e.type = type;
  e.ts_ns = ts;
  e.actor.pid = e.actor.tid = e.actor.vpid = pid;
  e.actor.ppid = 1;
  e.actor.uid = uid;
  return e;
}

// A successful execve of a program from a memfd named `name`.
inline Event memfd_exec(int32_t pid, uint32_t uid, const std::string& name, uint64_t ts) {
  Event e = actor_event(EvtType::execve, pid, uid, ts);
  e.exepath = "/memfd:" + name + " (deleted)";
  e.argv = {name, "x1", "x2"};
  e.exe_from_memfd = true;
  return e;
}

// A ptrace request by `tracer` on `target` (not its descendant).
inline Event ptrace_request(int32_t tracer, int32_t target, int64_t request, uint32_t uid,
                            uint64_t ts) {
  Event e = actor_event(EvtType::ptrace, tracer, uid, ts);
  e.request = request;
  e.target_pid = e.target_tid = e.target_arg_pid = target;
  e.target_is_descendant = Tri::no;
  return e;
}

}  // namespace th::testing
