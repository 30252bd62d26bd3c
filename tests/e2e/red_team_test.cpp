// Live red team with the default ruleset: every injection raises an alert of priority ERROR or
// above naming the right tracer and target; benign debugging raises nothing above NOTICE.
#include <gtest/gtest.h>

#include <set>

#include "default_rules_fixture.h"

namespace e2e {
namespace {

const std::set<std::string> kSevere = {"Emergency", "Alert", "Critical", "Error"};
const std::set<std::string> kAboveNotice = {"Emergency", "Alert", "Critical", "Error", "Warning"};

class RedTeam : public DefaultRulesTest {
 protected:
  // A severe alert naming tracer and target (target 0: any).
  void expect_severe(int64_t tracer, int64_t target, const std::string& what) {
    auto a = th_->wait_for([&](const json& al) {
      return kSevere.count(al["priority"].get<std::string>()) &&
             field_int(al, "proc.pid") == tracer &&
             (target == 0 || field_int(al, "target.pid") == target);
    });
    ASSERT_TRUE(a) << what << ": no alert of priority ERROR or above for tracer " << tracer
                   << " and target " << target << "\n"
                   << dump_alerts();
    EXPECT_FALSE((*a)["rule"].get<std::string>().empty());
    EXPECT_FALSE((*a)["tags"].empty()) << "MITRE-tagged";
  }

  void expect_nothing_above_notice(const std::string& what, const std::set<int64_t>& actors) {
    th_->settle();
    for (const auto& a : th_->alerts())
      if (actors.count(field_int(a, "proc.pid"))) {
        EXPECT_FALSE(kAboveNotice.count(a["priority"].get<std::string>()))
            << what << " raised " << a["priority"] << ": " << a["output"];
      }
  }
};

TEST_F(RedTeam, PtraceAttachAndPoketext) {
  Victim v;
  auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  expect_severe(r["tracer_pid"], v.pid(), "ATTACH + POKETEXT");
}

TEST_F(RedTeam, SeizeInterruptSetregs) {
  Victim v;
  auto r = run_attack({attack_program("inject_seize_setregs"), std::to_string(v.pid())});
  expect_severe(r["tracer_pid"], v.pid(), "SEIZE + INTERRUPT + SETREGS");
}

TEST_F(RedTeam, Pokeuser) {
  Victim v;
  auto r = run_attack({attack_program("inject_pokeuser"), std::to_string(v.pid())});
  expect_severe(r["tracer_pid"], v.pid(), "POKEUSER");
}

TEST_F(RedTeam, ProcessVmWritev) {
  Victim v;
  auto r = run_attack({attack_program("inject_vm_writev"), std::to_string(v.pid())});
  expect_severe(r["tracer_pid"], v.pid(), "process_vm_writev");
}

TEST_F(RedTeam, ProcMemFiles) {
  for (const char* mode : {"pid", "task", "dirfd"}) {
    Victim v({"--threads", "1"});
    auto r = run_attack({attack_program("inject_proc_mem"), std::to_string(v.pid()), "--mode", mode,
                         "--access", "rw"});
    expect_severe(r["tracer_pid"], v.pid(), std::string("/proc mem, mode ") + mode);
  }
}

TEST_F(RedTeam, RenamedToLookLikeGdb) {
  Victim v;
  auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid()),
                       "--as-gdb"});
  expect_severe(r["tracer_pid"], v.pid(), "injector renamed to gdb");
}

TEST_F(RedTeam, InsideANewPidNamespace) {
  std::string script = attack_program("victim") + " --seconds 20 & v=$!; sleep 0.3; " +
                       attack_program("inject_ptrace_poketext") + " $v; sleep 2; kill $v";
  Process p({"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script}, true);
  auto a = th_->wait_for(
      [&](const json& al) {
        return kSevere.count(al["priority"].get<std::string>()) &&
               field_str(al, "proc.exepath") == attack_program("inject_ptrace_poketext");
      },
      std::chrono::seconds(15));
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_GT(field_int(*a, "target.pid"), 2) << "the victim's host pid, not its pid inside";
  p.wait(std::chrono::seconds(20));
}

// PTRACE_TRACEME is anti-debugging, not an injection: NOTICE, as the ruleset defines it.
TEST_F(RedTeam, TracemeIsNotice) {
  auto r = run_attack({attack_program("anti_debug_traceme")});
  int64_t pid = r.value("tracer_pid", r.value("pid", 0));
  auto a = th_->wait_for([&](const json& al) { return field_int(al, "proc.pid") == pid; });
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Notice");
  EXPECT_NE((*a)["tags"].dump().find("T1622"), std::string::npos);
}

TEST_F(RedTeam, BenignDebuggingStaysAtNoticeOrBelow) {
  Victim v;
  Process gdb({"/usr/bin/gdb", "-p", std::to_string(v.pid()), "-batch", "-nx", "-ex",
               "info registers"},
              true);
  EXPECT_EQ(gdb.wait(std::chrono::seconds(60)), 0) << gdb.stderr_text();
  Process strace_p({"/usr/bin/timeout", "-s", "INT", "1", "/usr/bin/strace", "-p",
                    std::to_string(v.pid()), "-o", "/dev/null"},
                   true);
  strace_p.wait(std::chrono::seconds(20));
  Process strace_f({"/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/true"}, true);
  EXPECT_EQ(strace_f.wait(), 0);
  auto parent = run_attack({attack_program("tracer_parent")});
  std::set<int64_t> actors = {gdb.pid(), strace_f.pid(), parent.value("tracer_pid", 0)};
  // timeout(1) forks strace: collect the strace pid from the alerts about the victim.
  for (const auto& a : th_->alerts())
    if (field_int(a, "target.pid") == v.pid()) actors.insert(field_int(a, "proc.pid"));
  expect_nothing_above_notice("gdb -p / strace -p / strace -f / a parent tracing its child",
                              actors);
  // gdb attaching was seen, at NOTICE.
  auto seen = th_->wait_for([&](const json& a) {
    return field_int(a, "proc.pid") == gdb.pid() && a["priority"] == "Notice";
  });
  EXPECT_TRUE(seen) << dump_alerts();
}

}  // namespace
}  // namespace e2e
