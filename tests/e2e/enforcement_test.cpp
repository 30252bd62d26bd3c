// Prevention end to end (README "Prevention"): `tracehound run --enforce` with the default rules
// kills each injector of tests/attack in the kernel before its write: the injector dies of
// SIGKILL, the victim's canary is intact, the victim keeps running (not left in the stop an
// attach queued), and the kill is alerted with the rule's priority and what was done. Real
// debuggers and a parent tracing its own child work as usual; dry_run kills nothing and says
// what it would have done. These tests kill processes that are not their own: run them alone
// on a host (CI runs tests one at a time).
#include <gtest/gtest.h>
#include <signal.h>

#include <cctype>
#include <filesystem>

#include "default_rules_fixture.h"
#include "engine/proc/proc_file.h"
#include "support/poll.h"

namespace e2e {
namespace {

// The state letter of /proc/PID/stat, 0 when gone (read without iostreams, which throw when
// the process is reaped mid-read).
char state_of(pid_t pid) { return th::process_state("/proc", pid); }

// Kills what is left of an attack program run against `victim` (the child of a killed injector
// waits for its parent forever).
void kill_leftovers(const std::string& program, pid_t victim) {
  // Processes come and go while /proc is listed: an entry that vanishes is skipped, not thrown.
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    if (!std::isdigit(static_cast<unsigned char>(entry.path().filename().string()[0]))) continue;
    std::string cmd = th::read_whole_file(entry.path() / "cmdline", 4096).value_or("");
    std::string want = program + std::string(1, '\0') + std::to_string(victim) + std::string(1, '\0');
    if (cmd.rfind(want, 0) == 0) ::kill(std::stoi(entry.path().filename().string()), SIGKILL);
  }
}

class Enforce : public DefaultRulesTest {
 protected:
  void SetUp() override {
    E2E_REQUIRE_LIVE();
    th_ = std::make_unique<Tracehound>(Tracehound::Options{.extra_args = extra_args()});
    ASSERT_TRUE(th_->ready()) << th_->log();
  }
  virtual std::vector<std::string> extra_args() { return {"--enforce"}; }

  // Runs `injector` against a fresh victim and checks the kill.
  void expect_killed(const std::string& injector, const std::string& rule,
                     const std::vector<std::string>& args = {}) {
    Victim v;
    ASSERT_GT(v.pid(), 0);
    struct Leftovers {
      std::string program;
      pid_t victim;
      ~Leftovers() { kill_leftovers(program, victim); }
    } leftovers{attack_program(injector), v.pid()};
    std::vector<std::string> argv = {attack_program(injector), std::to_string(v.pid())};
    argv.insert(argv.end(), args.begin(), args.end());
    Process inj(argv, true);
    EXPECT_EQ(inj.wait(std::chrono::seconds(30)), -SIGKILL) << injector << ": " << inj.stderr_text();
    auto a = th_->wait_for([&](const json& al) {
      return al["output_fields"].value("enforcement.result", "") == "killed" &&
             field_int(al, "proc.pid") == inj.pid();
    });
    ASSERT_TRUE(a) << injector << " killed without an alert\n" << dump_alerts() << th_->log();
    EXPECT_EQ((*a)["rule"], rule);
    EXPECT_EQ(field_int(*a, "target.pid"), v.pid());
    EXPECT_EQ((*a)["output_fields"]["enforcement.action"], "kill");
    EXPECT_EQ((*a)["output_fields"]["enforcement.killed_pid"], inj.pid());
    EXPECT_NE((*a)["output"].get<std::string>().find("result=killed"), std::string::npos);
    // Not left stopped: the reporter resumes an attached victim before it alerts.
    char s = state_of(v.pid());
    EXPECT_TRUE(s == 'S' || s == 'R') << injector << ": victim state " << s;
    EXPECT_EQ((*a)["output_fields"]["enforcement.victim_state"].get<std::string>().rfind("running", 0), 0u)
        << (*a)["output_fields"].dump();
    EXPECT_EQ(v.finish(), 0) << injector << ": the victim's canary or code changed";
  }
};

TEST_F(Enforce, ProcessVmWritevIsKilledBeforeItWrites) {
  expect_killed("inject_vm_writev", "Process memory written with process_vm_writev");
}

TEST_F(Enforce, PtraceAttachOfAnUnknownBinaryIsKilledAndTheVictimResumed) {
  expect_killed("inject_ptrace_poketext", "Ptrace attach to non-descendant process by unknown binary");
}

TEST_F(Enforce, PokeUserInjectorIsKilled) {
  expect_killed("inject_pokeuser", "Ptrace attach to non-descendant process by unknown binary");
}

TEST_F(Enforce, SeizeInjectorIsKilled) {
  expect_killed("inject_seize_setregs", "Ptrace attach to non-descendant process by unknown binary");
}

TEST_F(Enforce, MemoryFileWriteIsKilledBeforeItWrites) {
  expect_killed("inject_proc_mem", "Memory file of another process written");
}

TEST_F(Enforce, MemoryFileWriteThroughATakenDescriptorIsKilled) {
  expect_killed("write_mem_fd", "Memory file of another process written", {"--via", "pidfd"});
}

// io_uring: killed when the write request is submitted (the worker that would run it belongs to
// the killed process and gives up at the fatal signal).
TEST_F(Enforce, IoUringMemoryFileWriteIsKilledBeforeItWrites) {
  expect_killed("write_mem_iouring", "Memory file of another process written", {"--open", "ring"});
}

// A fixed file, sent to a worker at once, without a completion: killed at submission too.
TEST_F(Enforce, IoUringFixedFileAsyncWriteIsKilled) {
  expect_killed("write_mem_iouring", "Memory file of another process written",
                {"--fixed-file", "--async", "--skip-cqe"});
}

TEST_F(Enforce, DebuggersAndTracingOwnChildrenWorkAsUsual) {
  Victim v;
  Process gdb({"/usr/bin/gdb", "-p", std::to_string(v.pid()), "-batch", "-nx", "-ex",
               "info registers"},
              true);
  EXPECT_EQ(gdb.wait(std::chrono::seconds(60)), 0) << gdb.stderr_text();
  Process strace_p({"/usr/bin/strace", "-p", std::to_string(v.pid()), "-o", "/dev/null"}, true);
  ASSERT_TRUE(th::test::eventually(
      [&] { return strace_p.stderr_text().find("attached") != std::string::npos || strace_p.exited(); },
      std::chrono::seconds(20), std::chrono::milliseconds(10)));
  strace_p.signal(SIGINT);  // strace detaches, then dies of the SIGINT it re-raises
  int rc = strace_p.wait(std::chrono::seconds(20));
  EXPECT_TRUE(rc == 0 || rc == -SIGINT) << rc << " " << strace_p.stderr_text();
  Process strace_f({"/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/sh", "-c", "/bin/true"}, true);
  EXPECT_EQ(strace_f.wait(), 0) << strace_f.stderr_text();
  auto parent = run_attack({attack_program("tracer_parent")});
  EXPECT_GT(parent.value("tracer_pid", 0), 0);
  th_->settle();
  for (const auto& a : th_->alerts())
    EXPECT_FALSE(a["output_fields"].contains("enforcement.result")) << a["output"];
  char s = state_of(v.pid());
  EXPECT_TRUE(s == 'S' || s == 'R') << "victim state " << s;
  EXPECT_EQ(v.finish(), 0);
}

// `tracehound run --enforce` with one kill rule (`rule_yaml`): runs `injector` against a fresh
// victim and expects it killed, the victim running on with its canary intact. Returns the alert
// about the injector.
std::optional<json> killed_under_rule(const std::string& rule_yaml, const std::string& injector) {
  Tracehound th({.rules_yaml = rule_yaml, .extra_args = {"--enforce"}});
  EXPECT_TRUE(th.ready()) << th.log();
  if (!th.ready()) return std::nullopt;
  Victim v;
  Process inj({attack_program(injector), std::to_string(v.pid())}, true);
  EXPECT_EQ(inj.wait(std::chrono::seconds(30)), -SIGKILL) << inj.stderr_text();
  auto a = th.wait_for([&](const json& al) { return field_int(al, "proc.pid") == inj.pid(); });
  EXPECT_TRUE(a) << th.log();
  EXPECT_TRUE(th::test::eventually([&] { char s = state_of(v.pid()); return s == 'S' || s == 'R'; },
                                   std::chrono::seconds(5), std::chrono::milliseconds(10)))
      << "victim left in state " << state_of(v.pid());
  EXPECT_EQ(v.finish(), 0) << "the victim's canary changed";
  EXPECT_EQ(th.stop(), 0);
  return a;
}

// Only the write rule kills: the attach goes through, the first POKETEXT is stopped at entry.
TEST(EnforceWrites, PtraceWriteIsKilledAtEntryAndTheTraceeResumed) {
  E2E_REQUIRE_LIVE();
  auto a = killed_under_rule(R"(
- rule: kill ptrace writes
  desc: an unknown binary writing into a process it did not start
  condition: >
    evt.type = ptrace and ptrace.request in (PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_SETREGS)
    and evt.failed = false and target.is_self = false and target.is_descendant = false
  output: "ptrace write | %proc.pid %target.pid %ptrace.request"
  priority: CRITICAL
  action: kill
)",
                             "inject_ptrace_poketext");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["output_fields"]["enforcement.result"], "killed");
  EXPECT_EQ((*a)["output_fields"]["enforcement.point"], "before the call");
  EXPECT_EQ((*a)["priority"], "Critical");
}

// A custom rule killing at the open of another process's memory file for writing.
TEST(EnforceWrites, MemoryFileOpenForWritingIsKilledAtItsExit) {
  E2E_REQUIRE_LIVE();
  auto a = killed_under_rule(R"(
- rule: kill memory file opens
  desc: another process's memory file opened for writing
  condition: >
    evt.type in (open, openat, openat2) and evt.is_open_write = true
    and target.is_self = false and target.is_descendant = false
  output: "mem open | %proc.pid %target.pid %fd.name"
  priority: ERROR
  action: kill
)",
                             "inject_proc_mem");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["output_fields"]["enforcement.result"], "killed");
  EXPECT_EQ((*a)["output_fields"]["enforcement.point"], "after the call");
}

// The per-syscall hook set has entry programs of its own for the kill points.
class EnforcePerSyscall : public Enforce {
 protected:
  std::vector<std::string> extra_args() override {
    return {"--enforce", "-o", "syscall_hooks=per_syscall"};
  }
};

TEST_F(EnforcePerSyscall, EveryKillPointKillsWithPerSyscallHooks) {
  expect_killed("inject_vm_writev", "Process memory written with process_vm_writev");
  expect_killed("inject_ptrace_poketext", "Ptrace attach to non-descendant process by unknown binary");
  expect_killed("inject_proc_mem", "Memory file of another process written");
  expect_killed("write_mem_iouring", "Memory file of another process written", {"--open", "ring"});
}

class RateLimited : public Enforce {
 protected:
  std::vector<std::string> extra_args() override {
    return {"--enforce", "-o", "enforcement.max_kills_per_second=1"};
  }
};

TEST_F(RateLimited, BeyondTheCapMatchesAreOnlyAlertedAndAnInternalAlertSaysSo) {
  Victim v;
  Process first({attack_program("inject_vm_writev"), std::to_string(v.pid())}, true);
  Process second({attack_program("inject_vm_writev"), std::to_string(v.pid())}, true);
  int a = first.wait(std::chrono::seconds(30)), b = second.wait(std::chrono::seconds(30));
  EXPECT_TRUE((a == -SIGKILL) != (b == -SIGKILL)) << a << " " << b;  // exactly one killed
  auto limited = th_->wait_for([&](const json& al) {
    return al["output_fields"].value("enforcement.result", "") == "rate_limited";
  });
  ASSERT_TRUE(limited) << dump_alerts();
  auto internal = th_->wait_for(
      [&](const json& al) { return al["rule"] == "tracehound internal: enforcement rate limit"; });
  EXPECT_TRUE(internal) << dump_alerts();
  v.finish();
}

class DryRun : public Enforce {
 protected:
  std::vector<std::string> extra_args() override { return {"-o", "enforcement.mode=dry_run"}; }
};

TEST_F(DryRun, KillsNothingAndSaysWhatItWouldHaveDone) {
  Victim v;
  Process inj({attack_program("inject_vm_writev"), std::to_string(v.pid())}, true);
  EXPECT_EQ(inj.wait(std::chrono::seconds(30)), 0) << inj.stderr_text();
  auto a = th_->wait_for([&](const json& al) {
    return al["output_fields"].value("enforcement.result", "") == "dry_run" &&
           field_int(al, "proc.pid") == inj.pid();
  });
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["rule"], "Process memory written with process_vm_writev");
  EXPECT_EQ((*a)["output_fields"]["enforcement.mode"], "dry_run");
  EXPECT_NE((*a)["output"].get<std::string>().find("would have killed pid " + std::to_string(inj.pid())),
            std::string::npos)
      << (*a)["output"];
  v.finish();  // the injection went through: the canary changed, as without enforcement
}

class Allowed : public Enforce {
 protected:
  std::vector<std::string> extra_args() override {
    return {"--enforce", "-o", "enforcement.allow=[" + attack_program("inject_vm_writev") + "]"};
  }
};

TEST_F(Allowed, AnAllowListedExecutableIsSparedAndTheMatchAlerted) {
  Victim v;
  Process inj({attack_program("inject_vm_writev"), std::to_string(v.pid())}, true);
  EXPECT_EQ(inj.wait(std::chrono::seconds(30)), 0) << inj.stderr_text();
  auto a = th_->wait_for([&](const json& al) {
    return al["output_fields"].value("enforcement.result", "") == "spared" &&
           field_int(al, "proc.pid") == inj.pid();
  });
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_NE((*a)["output"].get<std::string>().find("allow list"), std::string::npos) << (*a)["output"];
  v.finish();
}

TEST(EnforceValidate, KillOnAFieldTheKernelCannotSeeFailsWithItsPosition) {
  th::test::TempFile rules(
      "- rule: r\n  desc: d\n  condition: evt.type = ptrace and proc.name = evil\n"
      "  output: o\n  priority: ERROR\n  action: kill\n",
      "th-e2e-kill");
  Process p({tracehound_binary(), "validate", rules.path()}, true);
  std::string out;
  for (auto l = p.line(); l; l = p.line()) out += *l + "\n";
  EXPECT_NE(p.wait(), 0);
  std::string all = out + p.stderr_text();
  EXPECT_NE(all.find(rules.path() + ":3:36"), std::string::npos) << all;
  EXPECT_NE(all.find("TH-E-KILL-FIELD"), std::string::npos) << all;
  EXPECT_NE(all.find("proc.name"), std::string::npos) << all;
}

}  // namespace
}  // namespace e2e
