// The keys of the event file format (schema/event.schema.json): one list per object, read by
// event_from_json, which rejects any other key, and by the rule-test reader.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/core/evt_type.h"

namespace th {

namespace event_keys {
using Keys = std::span<const std::string_view>;

inline constexpr std::string_view kEvent[] = {"type", "time", "res",  "proc", "target", "ptrace",
                                              "vm",   "open", "exec", "fork", "exit", "write",
                                              "getfd"};
// A process object (proc, target, proc.ancestors[i], a rule test's declared process).
inline constexpr std::string_view kProcess[] = {
    "pid",       "ppid", "vpid",    "pidns", "uid",          "loginuid",          "tty",
    "start_time", "cgroup_id", "name", "exepath", "argv", "container_id", "container_full_id",
    "exe_from_memfd", "exe_dev", "exe_ino", "env_injection"};
inline constexpr std::string_view kProcExtra[] = {"tid", "ancestors"};
inline constexpr std::string_view kTargetExtra[] = {"tid", "is_descendant"};

// The object that carries a family's arguments, and its keys.
struct FamilyArgs {
  EvtFamily family;
  std::string_view key;
  Keys keys;
};
inline constexpr std::string_view kPtrace[] = {"request", "addr", "data", "pid"};
inline constexpr std::string_view kVm[] = {"bytes", "pid"};
inline constexpr std::string_view kOpen[] = {"path", "flags", "pid", "io_uring"};
inline constexpr std::string_view kExec[] = {"exepath", "argv", "memfd", "fileless_fds"};
inline constexpr std::string_view kFork[] = {"child_pid", "child_tid", "flags"};
inline constexpr std::string_view kExit[] = {"code"};
inline constexpr std::string_view kWrite[] = {"path", "fd", "offset", "bytes", "pid", "io_uring"};
inline constexpr std::string_view kGetfd[] = {"path", "fd", "target_fd", "mem_file", "mem_pid", "pid"};
inline constexpr FamilyArgs kFamilyArgs[] = {
    {EvtFamily::ptrace, "ptrace", kPtrace}, {EvtFamily::vm_write, "vm", kVm},
    {EvtFamily::vm_read, "vm", kVm},        {EvtFamily::mem_open, "open", kOpen},
    {EvtFamily::exec, "exec", kExec},       {EvtFamily::fork, "fork", kFork},
    {EvtFamily::exit, "exit", kExit},       {EvtFamily::mem_write, "write", kWrite},
    {EvtFamily::fd_take, "getfd", kGetfd},
};

// The arguments object an event type reads ("ptrace", "vm", ...).
constexpr std::string_view args_key(EvtType t) {
  for (const FamilyArgs& f : kFamilyArgs)
    if (f.family == evt_family(t)) return f.key;
  return "";
}
}  // namespace event_keys

// A problem and the key path it is about ("ptrace.requst"), for pointing at file:line:col.
struct EventProblem {
  std::string path;
  std::string message;
};

// Unknown keys, and argument or target objects that do not fit the event type.
std::optional<EventProblem> check_event_keys(const nlohmann::json& event);
// Unknown keys of a process object; `prefix` starts the reported path ("proc.").
std::optional<EventProblem> check_process_object_keys(const nlohmann::json& process,
                                                      const std::string& prefix,
                                                      event_keys::Keys extra = {});

}  // namespace th
