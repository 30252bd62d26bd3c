// The same injections under each way the probe can be set up: raw_syscalls or per-syscall
// hooks, targets resolved with the task kfuncs or with the portable fallback, memory files
// recognised by file operations or by name.
#include <sys/ptrace.h>

#include "live_support.h"

namespace probe_test {
namespace {

using th::EvtType;
using th::probe::SyscallHooks;

struct Config {
  const char* name;
  SyscallHooks hooks;
  bool task_kfuncs;
  bool use_kallsyms;
  friend void PrintTo(const Config& c, std::ostream* os) { *os << c.name; }
};

class LiveConfig : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    th::probe::ProbeOptions options;
    options.hooks = GetParam().hooks;
    options.task_kfuncs = GetParam().task_kfuncs;
    options.use_kallsyms = GetParam().use_kallsyms;
    options.ignore_tgid = getpid();
    std::string why;
    probe_ = open_probe(options, why);
    if (!probe_) TH_SKIP_OR_FAIL(why);
    ASSERT_EQ(probe_->hooks(), GetParam().hooks);
  }
  std::unique_ptr<th::probe::Probe> probe_;
  EventLog log_;
};

TEST_P(LiveConfig, Describes) {
  std::string d = probe_->describe();
  EXPECT_NE(d.find(GetParam().hooks == SyscallHooks::raw_syscalls ? "raw_syscalls" : "per-syscall"),
            std::string::npos) << d;
  EXPECT_NE(d.find(GetParam().use_kallsyms ? "by file operations" : "by name"), std::string::npos) << d;
}

TEST_P(LiveConfig, PtraceTargetsResolve) {
  Victim v = Victim::start();
  auto before = probe_->stats();
  ProgramRun r = run_program(*probe_, log_, {attack_program("inject_ptrace_poketext"), std::to_string(v.pid)});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{PTRACE_ATTACH, PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_DETACH}));
  auto after = probe_->stats();
  for (const auto& e : events) {
    EXPECT_EQ(e.target_tid, v.pid) << e.request;
    EXPECT_EQ(e.target_arg_pid, v.pid) << e.request;
  }
  if (GetParam().task_kfuncs) {
    for (const auto& e : events) EXPECT_EQ(e.target_pid, v.pid) << e.request;
    EXPECT_GE(after.resolved_by[TH_RESOLVED_VPID_KFUNC] - before.resolved_by[TH_RESOLVED_VPID_KFUNC], 4u);
  } else {
    // ATTACH (at its exit), PEEK and POKE find the victim among the tracees; after DETACH it
    // is no longer one, and only its host tid is known (the caller is in the initial pid ns).
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(events[i].target_pid, v.pid) << events[i].request;
    EXPECT_EQ(events[3].target_pid, 0);
    EXPECT_GE(after.resolved_by[TH_RESOLVED_TRACEE] - before.resolved_by[TH_RESOLVED_TRACEE], 3u);
    EXPECT_EQ(after.resolved_by[TH_RESOLVED_VPID_KFUNC], before.resolved_by[TH_RESOLVED_VPID_KFUNC]);
  }
  v.expect_alive_and_unchanged();
}

TEST_P(LiveConfig, VmWritevAndMemoryFileAreSeen) {
  Victim v = Victim::start(1);
  ProgramRun vm = run_program(*probe_, log_, {attack_program("inject_vm_writev"), std::to_string(v.pid), "--addr",
                                       std::to_string(v.canary)});
  ProgramRun mem = run_program(*probe_, log_, {attack_program("inject_proc_mem"), std::to_string(v.pid), "--mode",
                                        "task", "--addr", std::to_string(v.canary)});
  ASSERT_EQ(vm.status, 0);
  ASSERT_EQ(mem.status, 0);
  auto writes = log_.by_actor(vm.pid, EvtType::process_vm_writev);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].target_tid, v.pid);
  EXPECT_EQ(writes[0].target_pid, GetParam().task_kfuncs ? v.pid : 0);
  auto opens = log_.by_actor(mem.pid, EvtType::openat);
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].path, mem.report.at("path").get<std::string>());
  EXPECT_EQ(opens[0].target_pid, v.pid);
  EXPECT_EQ(opens[0].target_tid, v.tids.at(1));
  v.expect_alive_and_unchanged();
}

TEST_P(LiveConfig, Ia32SyscallsOnlyReachTheRawHook) {
  Victim v = Victim::start();
  ProgramRun r = run_program(*probe_, log_, {attack_program("inject_ptrace_poketext"), std::to_string(v.pid), "--ia32"});
  if (r.status != 0) TH_SKIP_OR_FAIL("this host cannot make ia32 syscalls");
  auto requests = requests_of(log_.by_actor(r.pid, EvtType::ptrace));
  if (GetParam().hooks == SyscallHooks::raw_syscalls) {
    EXPECT_EQ(requests, (std::vector<int64_t>{PTRACE_ATTACH, PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_DETACH}));
  } else {
    // x86 never fires per-syscall tracepoints for ia32 syscalls: this is why the automatic
    // choice takes raw_syscalls on hosts that can make them.
    EXPECT_EQ(requests, (std::vector<int64_t>{PTRACE_PEEKTEXT, PTRACE_POKETEXT}));
  }
  v.expect_alive_and_unchanged();
}

TEST_P(LiveConfig, TargetsNamedFromAnotherPidNamespace) {
  if (access("/usr/bin/unshare", X_OK) != 0) TH_SKIP_OR_FAIL("unshare(1) is not installed");
  Child shell(in_new_pid_namespace({attack_program("inject_ptrace_poketext"), attack_program("inject_vm_writev")}));
  ASSERT_EQ(WEXITSTATUS(log_.collect_until_exit(*probe_, shell)), 0);
  auto reports = shell.remaining_lines();
  ASSERT_EQ(reports.size(), 4u);
  const pid_t victim_vpid = nlohmann::json::parse(reports[0]).at("pid").get<pid_t>();
  const pid_t victim_pid = namespaced_victim_host_pid(log_, victim_vpid);
  ASSERT_NE(victim_pid, 0);
  const uint64_t pidns = log_.by_actor(victim_pid, EvtType::execve).at(0).actor.pidns;
  auto in_namespace = [&](EvtType type) {
    return log_.where([&](const th::Event& e) { return e.type == type && e.actor.pidns == pidns; });
  };
  auto ptraces = in_namespace(EvtType::ptrace);
  ASSERT_EQ(requests_of(ptraces), (std::vector<int64_t>{PTRACE_ATTACH, PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_DETACH}));
  auto writes = in_namespace(EvtType::process_vm_writev);
  ASSERT_EQ(writes.size(), 1u);
  for (const auto& e : ptraces) EXPECT_EQ(e.target_arg_pid, victim_vpid);
  if (GetParam().task_kfuncs) {
    for (const auto& e : ptraces) EXPECT_EQ(e.target_pid, victim_pid) << e.request;
    EXPECT_EQ(writes[0].target_pid, victim_pid);
  } else {
    // Portable path: tracees are found on the tracer's list whatever its namespace; once
    // detached, or for process_vm_*, a pid named inside a namespace stays unresolved.
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(ptraces[i].target_pid, victim_pid) << ptraces[i].request;
    EXPECT_EQ(ptraces[3].target_pid, 0);
    EXPECT_EQ(ptraces[3].target_tid, 0);
    EXPECT_EQ(writes[0].target_pid, 0);
  }
}

TEST_P(LiveConfig, ProcessEventsFlow) {
  ProgramRun r = run_program(*probe_, log_, {"/bin/sh", "-c", "exit 3"});
  EXPECT_EQ(log_.by_actor(r.pid, EvtType::execve).size(), 1u);
  auto exits = log_.by_actor(r.pid, EvtType::procexit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].exit_code, 3);
}

INSTANTIATE_TEST_SUITE_P(
    Setups, LiveConfig,
    ::testing::Values(Config{"raw_kfuncs_kallsyms", SyscallHooks::raw_syscalls, true, true},
                      Config{"per_syscall_kfuncs_kallsyms", SyscallHooks::per_syscall, true, true},
                      Config{"raw_portable", SyscallHooks::raw_syscalls, false, false},
                      Config{"per_syscall_portable", SyscallHooks::per_syscall, false, false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace probe_test
