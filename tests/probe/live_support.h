// Helpers for the live probe tests: real child processes (victims, injectors) and the events
// the probe reports while they run.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/core/event.h"
#include "probe/loader.h"
#include "support/child.h"
#include "support/skip.h"

namespace probe_test {

// A live test that cannot run here is skipped with TH_SKIP_OR_FAIL (support/skip.h): under
// CI=true it fails, since CI must really exercise the kernel side.

// Opens a probe for a test; on failure `why` says why (to skip or fail with).
std::unique_ptr<th::probe::Probe> open_probe(th::probe::ProbeOptions options, std::string& why);

std::string attack_program(std::string_view name);  // path of a program in build/tests/attack

// A child process with its stdout captured, killed and reaped if still running when destroyed.
using Child = th::test::Child;

// Events collected from a probe.
struct EventLog {
  std::vector<th::Event> events;

  // Polls without waiting until the ring buffer is empty.
  void drain(th::probe::Probe& probe);
  // Polls while `child` runs, then drains what it left behind (its records are committed
  // before its syscalls return, so nothing of it can arrive later). Returns its wait status.
  int collect_until_exit(th::probe::Probe& probe, Child& child);

  std::vector<th::Event> where(const std::function<bool(const th::Event&)>& pred) const;
  std::vector<th::Event> by_actor(pid_t pid) const;
  std::vector<th::Event> by_actor(pid_t pid, th::EvtType type) const;
};

// A running victim (build/tests/attack/victim) and what it reported.
struct Victim {
  std::unique_ptr<Child> child;
  pid_t pid = 0;
  std::vector<pid_t> tids;
  uint64_t canary = 0;

  static Victim start(int threads = 0);
  // Expects the victim alive, ends it with SIGTERM, and expects its clean exit: the victim
  // exits 3 if its canary or code changed.
  void expect_alive_and_unchanged();
};

// Runs an attack program to completion while collecting events; returns its JSON report.
struct ProgramRun {
  pid_t pid = 0;
  int status = 0;
  nlohmann::json report;
};
ProgramRun run_program(th::probe::Probe& probe, EventLog& log, const std::vector<std::string>& argv);

// The ptrace requests of a list of ptrace events, in order.
std::vector<int64_t> requests_of(const std::vector<th::Event>& events);

uint64_t own_pid_namespace();  // inode of this process's pid namespace

// A command that runs, inside `unshare --pid --fork --mount-proc`, a victim and then each of
// `injectors` against it (given its pid in the new namespace), then ends the victim. Its output:
// the victim's report, each injector's, then {"victim_status": N}.
std::vector<std::string> in_new_pid_namespace(const std::vector<std::string>& injectors);

// The host pid of the victim started by in_new_pid_namespace, from its exec event; 0 if absent.
pid_t namespaced_victim_host_pid(const EventLog& log, pid_t victim_vpid);

}  // namespace probe_test
