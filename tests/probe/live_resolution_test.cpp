// Targets resolved in user space when the kernel could not: on kernels without
// bpf_task_from_vpid() a pid named inside a pid namespace (a tracer in a container) reaches
// tracehound unresolved for process_vm_* and ptrace requests off the tracee list. The process
// table's (pid namespace, pid) index resolves it. The probe's portable mode (no task kfuncs)
// reproduces such a kernel here; the whole engine then judges the events, as `tracehound run` does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "engine/core/alert_sink.h"
#include "engine/detect/detector.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/process_table.h"
#include "engine/rules/loader.h"
#include "live_support.h"

namespace probe_test {
namespace {

using th::EvtType;

constexpr const char* kRules = R"(
- rule: resolution write
  desc: a write into another process's memory
  condition: evt.type = process_vm_writev and evt.rawres > 0
  output: "write | %proc.pid %proc.vpid %evt.arg.pid %target.pid"
  priority: CRITICAL
  fold: false
)";

struct Collect : th::AlertSink {
  std::vector<th::Alert> alerts;
  void emit(const th::Alert& a) override { alerts.push_back(a); }
};

TEST(LiveResolution, TracerInANewPidNamespaceWithoutTaskKfuncs) {
  if (access("/usr/bin/unshare", X_OK) != 0) TH_SKIP_OR_FAIL("unshare(1) is not installed");
  th::probe::ProbeOptions options;
  options.ignore_tgid = getpid();
  options.task_kfuncs = false;  // the kernel cannot resolve a pid named inside a namespace
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);

  auto loaded = th::load_rules_from_strings({{"resolution.yaml", kRules}});
  ASSERT_TRUE(loaded.ruleset) << "rules do not load";
  th::Metrics metrics;
  th::ProcessTable table(th::ProcessTableOptions{
      .max_entries = 0, .proc_root = "/proc", .passwd_path = "", .metrics = &metrics});
  table.bootstrap();
  Collect sink;
  th::Detector detector(loaded.ruleset, table, sink);

  Child shell(in_new_pid_namespace({attack_program("inject_vm_writev")}));
  EventLog log;
  auto judge = [&](th::Event& e) {
    log.events.push_back(e);
    detector.process(e);
  };
  while (!shell.exited()) probe->poll(20, judge);
  while (probe->poll(0, judge) > 0) {
  }
  ASSERT_EQ(WEXITSTATUS(shell.status()), 0);
  auto reports = shell.remaining_lines();
  ASSERT_EQ(reports.size(), 3u);
  const pid_t victim_vpid = nlohmann::json::parse(reports[0]).at("pid").get<pid_t>();
  const pid_t victim_pid = namespaced_victim_host_pid(log, victim_vpid);
  ASSERT_NE(victim_pid, 0);
  ASSERT_NE(victim_pid, victim_vpid) << "the victim lives in a pid namespace of its own";

  // What the kernel said: the pid as named inside, no host pid.
  const uint64_t pidns = log.by_actor(victim_pid, EvtType::execve).at(0).actor.pidns;
  auto writes = log.where([&](const th::Event& e) {
    return e.type == EvtType::process_vm_writev && e.actor.pidns == pidns;
  });
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].target_arg_pid, victim_vpid);
  EXPECT_EQ(writes[0].target_pid, 0) << "the portable mode resolved it in the kernel";

  // What the alert says: the victim's host pid, from the process table's namespace index.
  const th::Alert* alert = nullptr;
  for (const auto& a : sink.alerts)
    if (a.output_fields.value("proc.pid", 0) == writes[0].actor.pid) alert = &a;
  ASSERT_NE(alert, nullptr) << "no alert for the namespaced writer";
  EXPECT_EQ(alert->output_fields.at("evt.arg.pid"), std::to_string(victim_vpid));
  EXPECT_EQ(alert->output_fields.at("target.pid"), victim_pid) << alert->output;
}

}  // namespace
}  // namespace probe_test
