// End to end, with a rule file of the test's own: `tracehound run` loads the real probe, a real
// victim runs, a real injector attacks it, and the alert JSON must name the right rule, tracer
// pid, target host pid and request. Benign tracing must not match the injection condition.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "live_harness.h"

namespace e2e {
namespace {

const char* kRules = R"(
- list: e2e_debuggers
  items: [/usr/bin/gdb, /usr/libexec/gdb/gdb, /usr/bin/strace]

- rule: e2e ptrace
  desc: every ptrace request an injection or an anti-debugging check makes
  condition: >
    evt.type = ptrace and ptrace.request in (PTRACE_ATTACH, PTRACE_SEIZE, PTRACE_INTERRUPT,
    PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_POKEUSR, PTRACE_SETREGS, PTRACE_SETREGSET,
    PTRACE_TRACEME)
  output: "ptrace %ptrace.request | %proc.pid %proc.name %proc.exepath %target.pid %target.is_descendant %evt.res"
  priority: WARNING
  fold: false

- rule: e2e vm write
  desc: process_vm_writev
  condition: evt.type = process_vm_writev
  output: "vm write | %proc.pid %proc.exepath %target.pid %vm.bytes %evt.rawres"
  priority: WARNING
  fold: false

- rule: e2e memory file write open
  desc: a process memory file opened for writing
  condition: evt.type in (open, openat, openat2) and evt.is_open_write = true
  output: "mem open | %proc.pid %proc.exepath %target.pid %target.tid %fd.name %evt.arg.flags"
  priority: WARNING
  fold: false

- rule: e2e memory write
  desc: every write into a process memory file, whatever the descriptor
  condition: evt.type in (write, pwrite, writev, pwritev, pwritev2)
  output: "mem write | %evt.type %proc.pid %proc.exepath %target.pid %target.tid %target.is_descendant %fd.name %fd.num %write.offset %write.bytes %evt.rawres"
  priority: WARNING
  fold: false

- rule: e2e injection
  desc: >
    The injection condition: a write into the memory or registers of another process that the
    writer did not start (memory files opened by known debuggers excepted).
  condition: >
    ((evt.type = ptrace and evt.res = SUCCESS and ptrace.request in (PTRACE_POKETEXT,
      PTRACE_POKEDATA, PTRACE_POKEUSR, PTRACE_SETREGS, PTRACE_SETREGSET, PTRACE_SETFPREGS))
     or (evt.type = process_vm_writev and evt.rawres > 0)
     or (evt.type in (open, openat, openat2) and evt.is_open_write = true
         and not proc.exepath in (e2e_debuggers))
     or (evt.type in (write, pwrite, writev, pwritev, pwritev2) and evt.rawres > 0
         and not proc.exepath in (e2e_debuggers)))
    and target.is_descendant = false and target.is_self = false
  output: "injection | %evt.type %proc.pid %proc.exepath %target.pid %ptrace.request"
  priority: CRITICAL
  fold: false
)";

class Injection : public ::testing::Test {
 protected:
  void SetUp() override {
    E2E_REQUIRE_LIVE();
    th_ = std::make_unique<Tracehound>(Tracehound::Options{.rules_yaml = kRules});
    ASSERT_TRUE(th_->ready()) << th_->log();
  }
  void TearDown() override {
    if (!th_) return;
    int rc = th_->stop();
    EXPECT_EQ(rc, 0) << th_->log();
  }

  // The alert of `rule` by `tracer` on `target`, with `request` when given.
  std::optional<json> find(const std::string& rule, int64_t tracer, int64_t target,
                           const std::string& request = "") {
    return th_->wait_for([&](const json& a) {
      return a["rule"] == rule && field_int(a, "proc.pid") == tracer &&
             (target == 0 || field_int(a, "target.pid") == target) &&
             (request.empty() || field_str(a, "ptrace.request") == request);
    });
  }

  void expect_ptrace(const json& report, pid_t victim, std::initializer_list<const char*> reqs) {
    int64_t tracer = report.value("tracer_pid", 0);
    ASSERT_GT(tracer, 0) << report.dump();
    for (const char* req : reqs) {
      auto a = find("e2e ptrace", tracer, victim, req);
      ASSERT_TRUE(a) << "no alert for " << req << "\n" << th_->log();
      EXPECT_EQ(field_str(*a, "target.is_descendant"), "false");
      EXPECT_EQ((*a)["priority"], "Warning");
      EXPECT_EQ((*a)["source"], "syscall");
    }
  }

  std::unique_ptr<Tracehound> th_;
};

TEST_F(Injection, AttachAndPoketextIntoANonDescendant) {
  Victim v;
  auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  expect_ptrace(r, v.pid(), {"PTRACE_ATTACH", "PTRACE_POKETEXT"});
  auto inj = find("e2e injection", r["tracer_pid"], v.pid(), "PTRACE_POKETEXT");
  ASSERT_TRUE(inj);
  EXPECT_EQ(field_str(*inj, "proc.exepath"), attack_program("inject_ptrace_poketext"));
  EXPECT_EQ(v.finish(), 0) << "the injector must leave the victim unchanged";
}

TEST_F(Injection, SeizeInterruptSetregs) {
  Victim v;
  auto r = run_attack({attack_program("inject_seize_setregs"), std::to_string(v.pid())});
  expect_ptrace(r, v.pid(), {"PTRACE_SEIZE", "PTRACE_INTERRUPT", "PTRACE_SETREGS"});
  EXPECT_TRUE(find("e2e injection", r["tracer_pid"], v.pid(), "PTRACE_SETREGS"));
}

TEST_F(Injection, Pokeuser) {
  Victim v;
  auto r = run_attack({attack_program("inject_pokeuser"), std::to_string(v.pid())});
  expect_ptrace(r, v.pid(), {"PTRACE_ATTACH", "PTRACE_POKEUSR"});
  EXPECT_TRUE(find("e2e injection", r["tracer_pid"], v.pid(), "PTRACE_POKEUSR"));
}

TEST_F(Injection, ProcessVmWritev) {
  Victim v;
  auto r = run_attack({attack_program("inject_vm_writev"), std::to_string(v.pid())});
  int64_t tracer = r.value("tracer_pid", 0);
  auto a = find("e2e vm write", tracer, v.pid());
  ASSERT_TRUE(a) << th_->log();
  EXPECT_GT(field_int(*a, "vm.bytes"), 0);
  EXPECT_EQ(field_int(*a, "vm.bytes"), field_int(*a, "evt.rawres"));
  EXPECT_TRUE(find("e2e injection", tracer, v.pid()));
  EXPECT_EQ(v.finish(), 0);
}

class ProcMem : public Injection, public ::testing::WithParamInterface<const char*> {};

TEST_P(ProcMem, WriteThroughTheMemoryFile) {
  Victim v({"--threads", "1"});
  auto r = run_attack({attack_program("inject_proc_mem"), std::to_string(v.pid()), "--mode",
                       GetParam(), "--access", "wo"});
  int64_t opener = r.value("tracer_pid", 0);
  auto a = find("e2e memory file write open", opener, v.pid());
  ASSERT_TRUE(a) << r.dump() << "\n" << th_->log();
  std::string path = field_str(*a, "fd.name");
  EXPECT_NE(path.find("/mem"), std::string::npos) << path;
  if (std::string(GetParam()) == "task") {
    EXPECT_NE(path.find("/task/"), std::string::npos) << path;
    EXPECT_NE(field_int(*a, "target.tid"), v.pid()) << "the thread named in the path";
  }
  EXPECT_NE(field_str(*a, "evt.arg.flags").find("O_WRONLY"), std::string::npos);
  EXPECT_TRUE(find("e2e injection", opener, v.pid()));
  EXPECT_EQ(v.finish(), 0);
}
INSTANTIATE_TEST_SUITE_P(Modes, ProcMem, ::testing::Values("pid", "task", "dirfd"));

TEST_F(Injection, Traceme) {
  auto r = run_attack({attack_program("anti_debug_traceme")});
  int64_t pid = r.value("tracer_pid", r.value("pid", 0));
  ASSERT_GT(pid, 0) << r.dump();
  auto a = th_->wait_for([&](const json& al) {
    return al["rule"] == "e2e ptrace" && field_str(al, "ptrace.request") == "PTRACE_TRACEME" &&
           field_int(al, "proc.pid") == pid;
  });
  EXPECT_TRUE(a) << th_->log();
}

TEST_F(Injection, RenamedToLookLikeADebugger) {
  Victim v;
  auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid()),
                       "--as-gdb"});
  auto a = find("e2e injection", r["tracer_pid"], v.pid(), "PTRACE_POKETEXT");
  ASSERT_TRUE(a) << "a renamed injector still injects";
  EXPECT_EQ(field_str(*a, "proc.exepath"), attack_program("inject_ptrace_poketext"));
  auto p = find("e2e ptrace", r["tracer_pid"], v.pid(), "PTRACE_POKETEXT");
  ASSERT_TRUE(p);
  EXPECT_EQ(field_str(*p, "proc.name"), "gdb") << "the comm it gave itself";
}

// Tracer and victim in a new pid namespace: the alert carries the victim's host pid.
TEST_F(Injection, InsideANewPidNamespace) {
  std::string script = attack_program("victim") + " --seconds 20 & v=$!; sleep 0.3; " +
                       attack_program("inject_ptrace_poketext") + " $v; sleep 3; kill $v";
  Process p({"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script},
            /*capture_stderr=*/true);
  std::optional<json> victim_report, inject_report;
  for (int i = 0; i < 2; ++i) {
    auto l = p.line(std::chrono::seconds(15));
    ASSERT_TRUE(l) << p.stderr_text();
    auto j = json::parse(*l, nullptr, false);
    if (j.contains("tracer_pid")) inject_report = j;
    else victim_report = j;
  }
  ASSERT_TRUE(inject_report && victim_report);
  int64_t ns_victim = (*inject_report)["target_pid"];
  auto a = th_->wait_for([&](const json& al) {
    return al["rule"] == "e2e ptrace" && field_str(al, "ptrace.request") == "PTRACE_POKETEXT";
  });
  ASSERT_TRUE(a) << th_->log();
  int64_t host_pid = field_int(*a, "target.pid");
  EXPECT_NE(host_pid, ns_victim) << "a pid of the namespace, not the host's";
  // While the victim still runs, its host pid's status says which pid it has inside.
  std::ifstream status("/proc/" + std::to_string(host_pid) + "/status");
  std::string line, nspid;
  while (std::getline(status, line))
    if (line.rfind("NSpid:", 0) == 0) nspid = line;
  std::istringstream fields(nspid.substr(6));
  std::vector<int64_t> ids;
  for (int64_t x; fields >> x;) ids.push_back(x);
  ASSERT_EQ(ids.size(), 2u) << nspid;
  EXPECT_EQ(ids[0], host_pid);
  EXPECT_EQ(ids[1], ns_victim);
  p.wait(std::chrono::seconds(20));
}

// A thread's memory file written through an O_WRONLY descriptor: the write names the thread.
TEST_F(Injection, WriteIntoAThreadsMemoryFile) {
  Victim v({"--threads", "1"});
  auto r = run_attack({attack_program("inject_proc_mem"), std::to_string(v.pid()), "--mode", "task",
                       "--access", "wo"});
  int64_t tracer = r["tracer_pid"];
  auto w = th_->wait_for([&](const json& a) {
    return a["rule"] == "e2e memory write" && field_int(a, "proc.pid") == tracer;
  });
  ASSERT_TRUE(w) << th_->log();
  EXPECT_EQ(field_str(*w, "evt.type"), "pwrite");
  EXPECT_EQ(field_int(*w, "target.pid"), v.pid());
  EXPECT_EQ(field_int(*w, "target.tid"), r["target_tid"].get<int64_t>());
  EXPECT_EQ(field_str(*w, "target.is_descendant"), "false");
  EXPECT_EQ(field_str(*w, "fd.name"), r["path"].get<std::string>());
  EXPECT_EQ(field_int(*w, "write.offset"), std::stoll(r["addr"].get<std::string>(), nullptr, 16));
  EXPECT_EQ(field_int(*w, "write.bytes"), r["bytes"].get<int64_t>());
  EXPECT_TRUE(find("e2e injection", tracer, v.pid()));
  EXPECT_EQ(v.finish(), 0);
}

// Benign tracing must not match the injection condition. Only alerts that involve `pids` (as the
// writer or as the target) are judged: other tests' injectors may run on this host meanwhile.
class Benign : public Injection {
 protected:
  void expect_no_injection(const char* what, std::initializer_list<int64_t> pids) {
    th_->settle();
    for (const auto& a : th_->alerts()) {
      bool ours = false;
      for (int64_t pid : pids)
        ours = ours || field_int(a, "proc.pid") == pid || field_int(a, "target.pid") == pid;
      if (ours) {
        EXPECT_NE(a["rule"], "e2e injection") << what << " matched: " << a.dump();
      }
    }
  }
};

TEST_F(Benign, StraceFollowingItsOwnChild) {
  Process p({"/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/true"}, true);
  EXPECT_EQ(p.wait(), 0) << p.stderr_text();
  expect_no_injection("strace -f /bin/true", {p.pid()});
  // It did trace: SEIZE of its own child, a descendant.
  auto seize = th_->wait_for([&](const json& a) {
    return field_str(a, "ptrace.request") == "PTRACE_SEIZE" && field_int(a, "proc.pid") == p.pid();
  });
  ASSERT_TRUE(seize);
  EXPECT_EQ(field_str(*seize, "target.is_descendant"), "true");
}

TEST_F(Benign, ParentTracingItsOwnChild) {
  auto r = run_attack({attack_program("tracer_parent")});
  expect_no_injection("tracer_parent",
                      {r.value("tracer_pid", int64_t{0}), r.value("target_pid", int64_t{0})});
  auto poke = th_->wait_for([&](const json& a) {
    return field_str(a, "ptrace.request") == "PTRACE_POKEDATA" &&
           field_int(a, "proc.pid") == r.value("tracer_pid", 0);
  });
  ASSERT_TRUE(poke) << r.dump();
  EXPECT_EQ(field_str(*poke, "target.is_descendant"), "true");
}

TEST_F(Benign, GdbReadingRegisters) {
  Victim v;
  Process gdb({"/usr/bin/gdb", "-p", std::to_string(v.pid()), "-batch", "-nx", "-ex",
               "info registers"},
              true);
  EXPECT_EQ(gdb.wait(std::chrono::seconds(60)), 0) << gdb.stderr_text();
  expect_no_injection("gdb -p PID -batch -ex 'info registers'", {gdb.pid(), v.pid()});
  // gdb attached and opened the memory file read-write: seen, but not an injection.
  EXPECT_TRUE(find("e2e ptrace", gdb.pid(), v.pid(), "PTRACE_ATTACH"));
  EXPECT_EQ(v.finish(), 0);
}

// gdb setting a byte in the program it started: a write into its own descendant, seen as one.
TEST_F(Benign, GdbWritingItsOwnChild) {
  Process gdb({"/usr/bin/gdb", "-batch", "-nx", "-ex", "starti", "-ex",
               "set var *(char*)$pc = *(char*)$pc", "-ex", "kill", "--args", "/bin/true"},
              true);
  EXPECT_EQ(gdb.wait(std::chrono::seconds(60)), 0) << gdb.stderr_text();
  expect_no_injection("gdb writing its own child", {gdb.pid()});
  auto w = th_->wait_for([&](const json& a) {
    return a["rule"] == "e2e memory write" && field_int(a, "proc.pid") == gdb.pid() &&
           field_str(a, "target.is_descendant") == "true";
  });
  ASSERT_TRUE(w) << "gdb's write into its child was not seen";
  EXPECT_NE(field_int(*w, "target.pid"), gdb.pid());
}

TEST_F(Benign, StraceAttachingForASecond) {
  Victim v;
  Process strace({"/usr/bin/timeout", "-s", "INT", "1", "/usr/bin/strace", "-p",
                  std::to_string(v.pid()), "-o", "/dev/null"},
                 true);
  strace.wait(std::chrono::seconds(20));
  expect_no_injection("strace -p PID", {v.pid()});
  auto seize = th_->wait_for([&](const json& a) {
    return field_str(a, "ptrace.request") == "PTRACE_SEIZE" && field_int(a, "target.pid") == v.pid();
  });
  ASSERT_TRUE(seize);
  EXPECT_EQ(v.finish(), 0);
}

}  // namespace
}  // namespace e2e
