// Targets named from inside another pid namespace, and procfs mounted somewhere else.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "live_fixture.h"
#include "support/temp.h"

namespace probe_test {
namespace {

using th::EvtType;

using LiveNamespace = LiveProbeTest;

TEST_F(LiveNamespace, TargetsNamedInsideAPidNamespaceResolveToHostPids) {
  if (access("/usr/bin/unshare", X_OK) != 0) TH_SKIP_OR_FAIL("unshare(1) is not installed");
  Child shell(in_new_pid_namespace({attack_program("inject_ptrace_poketext"),
                                    attack_program("inject_vm_writev"),
                                    attack_program("inject_proc_mem") + " --mode task"}));
  ASSERT_EQ(WEXITSTATUS(log_.collect_until_exit(probe(), shell)), 0);
  std::vector<nlohmann::json> reports;
  for (const auto& line : shell.remaining_lines()) reports.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(reports.size(), 5u);
  const pid_t victim_vpid = reports[0].at("pid").get<pid_t>();
  EXPECT_EQ(reports[4].at("victim_status").get<int>(), 0) << "exit 3 would mean its memory changed";

  // The victim's host pid, from its exec as the probe saw it.
  const pid_t victim_pid = namespaced_victim_host_pid(log_, victim_vpid);
  ASSERT_NE(victim_pid, 0);
  ASSERT_NE(victim_pid, victim_vpid) << "inside the namespace the victim has another pid";
  const uint64_t pidns = log_.by_actor(victim_pid, EvtType::execve).at(0).actor.pidns;

  auto injections = log_.where([&](const th::Event& e) {
    return th::evt_has_target(e.type) && e.actor.pidns == pidns;
  });
  std::set<th::EvtType> types;
  for (const auto& e : injections) {
    types.insert(e.type);
    EXPECT_EQ(e.target_pid, victim_pid) << th::evt_type_name(e.type) << " " << e.request;
    EXPECT_EQ(e.target_arg_pid, victim_vpid) << th::evt_type_name(e.type);
    EXPECT_NE(e.actor.pid, e.actor.vpid) << "the injector, too, has two pids";
  }
  // The pwrite through the memory file resolves like the open: the victim's host pid, and its
  // pid inside the namespace as the writer names it.
  EXPECT_EQ(types, (std::set<th::EvtType>{EvtType::ptrace, EvtType::process_vm_readv,
                                          EvtType::process_vm_writev, EvtType::openat,
                                          EvtType::pwrite}));
  auto opens = log_.where([&](const th::Event& e) { return e.type == EvtType::openat && e.actor.pidns == pidns; });
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].path, reports[3].at("path").get<std::string>()) << "the path as seen inside";
}

TEST_F(LiveNamespace, ProcfsMountedElsewhere) {
  th::test::TempDir procfs("th-procfs");
  const char* dir = procfs.path().c_str();
  ASSERT_EQ(mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), 0) << strerror(errno);
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_proc_mem"), std::to_string(v.pid), "--proc-root", dir, "--addr",
               std::to_string(v.canary)});
  umount2(dir, MNT_DETACH);
  ASSERT_EQ(r.status, 0);
  auto opens = log_.by_actor(r.pid, EvtType::openat);
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].path, std::string(dir) + "/" + std::to_string(v.pid) + "/mem");
  EXPECT_EQ(opens[0].target_pid, v.pid);
  v.expect_alive_and_unchanged();
}

}  // namespace
}  // namespace probe_test
