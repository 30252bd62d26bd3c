// Live, with the default ruleset: injection techniques built to slip past a detector that reads
// registers rather than what the kernel does with them, or trusts the wrong things. Each attack
// must raise the named rule for the named tracer and target.
#include <gtest/gtest.h>
#include <signal.h>

#include "default_rules_fixture.h"

namespace e2e {
namespace {

using Evasion = DefaultRulesTest;

bool request_is(const json& a, const std::string& request) {
  return field_str(a, "evt.arg.request") == request;
}

// ARCH_PRCTL's code is an int: data = 1 << 32 | ARCH_SET_FS writes FS.
TEST_F(Evasion, ArchPrctlWithHighBitsInDataIsARegisterWrite) {
  Victim v;
  auto r = run_attack({attack_program("inject_wide_args"), std::to_string(v.pid()), "--mode",
                       "arch_prctl"});
  auto a = find("Ptrace write into non-descendant process", r["tracer_pid"], v.pid(),
                [](const json& al) { return request_is(al, "PTRACE_ARCH_PRCTL"); });
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Critical");
  EXPECT_EQ(v.finish(), 0) << "the victim ran on, unchanged";
}

// `syscall` with rax = 1 << 32 | __NR_ptrace runs ptrace.
TEST_F(Evasion, SyscallNumberWithHighBitsIsStillPtrace) {
  Victim v;
  auto r = run_attack({attack_program("inject_wide_args"), std::to_string(v.pid()), "--mode",
                       "syscall_nr"});
  auto a = find("Ptrace write into non-descendant process", r["tracer_pid"], v.pid(),
                [](const json& al) { return request_is(al, "PTRACE_POKETEXT"); });
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Critical");
  auto attach = find("Ptrace attach to non-descendant process by unknown binary", r["tracer_pid"],
                     v.pid());
  EXPECT_TRUE(attach) << dump_alerts();
  EXPECT_EQ(v.finish(), 0);
}

// The Yama bypass: the attacker starts the victim, then execs dd, which writes its own child.
TEST_F(Evasion, DdWritingItsOwnChildThroughTheMemoryFile) {
  auto r = run_attack({attack_program("dd_into_child"), "--seconds", "30"});
  pid_t victim = r["target_pid"];
  auto a = find("Memory file of descendant process written", r["tracer_pid"], victim);
  auto open = find("Memory file of descendant process opened for writing", r["tracer_pid"], victim);
  kill(victim, SIGTERM);  // no longer our child: dd's exit reparented it
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Error");
  EXPECT_EQ(field_str(*a, "proc.exepath"), "/usr/bin/dd");
  EXPECT_EQ(field_str(*a, "fd.name"), r["file"].get<std::string>());
  EXPECT_EQ(field_str(*a, "evt.type"), "write") << "dd seeks, then writes at the file position";
  EXPECT_EQ(field_int(*a, "write.offset"), std::stoll(r["canary"].get<std::string>(), nullptr, 16))
      << "the first of dd's 1-byte writes lands on the canary";
  ASSERT_TRUE(open) << dump_alerts();
  EXPECT_EQ((*open)["priority"], "Notice") << "the open only prepares the write";
}

// The same as an unprivileged user: Yama aside, nothing but ownership is needed.
TEST_F(Evasion, DdWritingItsOwnChildUnprivileged) {
  auto r = run_attack({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                       attack_program("dd_into_child"), "--seconds", "30"});
  pid_t victim = r["target_pid"];
  auto a = find("Memory file of descendant process written", r["tracer_pid"], victim);
  kill(victim, SIGTERM);
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Error");
  EXPECT_EQ(field_int(*a, "user.uid"), 65534);
}

// `ld.so /proc/self/fd/N`: the kernel executes only the loader, which maps the memfd itself.
TEST_F(Evasion, LoaderRunningAMemfd) {
  for (bool deleted : {false, true}) {
    std::vector<std::string> argv = {attack_program("exec_memfd"), "--via-loader"};
    if (deleted) argv.push_back("--deleted");
    auto r = run_attack(argv);
    auto a = find("Fileless execution from memfd", r["pid"], 0);
    ASSERT_TRUE(a) << (deleted ? "deleted file" : "memfd") << "\n" << dump_alerts();
    EXPECT_EQ((*a)["priority"], "Critical");
    EXPECT_EQ(field_str(*a, "proc.fileless_fd_arg"), r["fd_path"].get<std::string>());
    EXPECT_NE(field_str(*a, "proc.exepath").find("ld-linux-x86-64.so.2"), std::string::npos);
  }
}

// A file bind-mounted over /usr/bin/gdb in a private mount namespace has gdb's path, not gdb's
// file: it is an unknown binary.
TEST_F(Evasion, BindMountedOverGdbIsNotADebugger) {
  Victim v;
  std::string script = "mount --bind " + attack_program("inject_ptrace_poketext") +
                       " /usr/bin/gdb && exec /usr/bin/gdb " + std::to_string(v.pid());
  auto r = run_attack({"/usr/bin/unshare", "--mount", "/bin/sh", "-c", script});
  auto a = find("Ptrace write into non-descendant process", r["tracer_pid"], v.pid());
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Critical");
  EXPECT_EQ(field_str(*a, "proc.exepath"), "/usr/bin/gdb");
}

// The host's real strace, started with attack code in LD_PRELOAD: the code runs as strace.
TEST_F(Evasion, PreloadedStraceIsNotADebugger) {
  Victim v;
  Process strace({"/usr/bin/env", "LD_PRELOAD=" + attack_program("libpreload_inject.so"),
                  "TH_PRELOAD_TARGET=" + std::to_string(v.pid()), "/usr/bin/strace", "-o",
                  "/dev/null", "/bin/true"},
                 true);
  ASSERT_EQ(strace.wait(), 0) << strace.stderr_text();
  auto a = find("Ptrace write into non-descendant process", strace.pid(), v.pid());
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Critical");
  EXPECT_EQ(field_str(*a, "proc.exepath"), "/usr/bin/strace");
}

}  // namespace
}  // namespace e2e
