// Live, with the default ruleset: writes into another process's memory file, whatever way the
// writer got the descriptor and whatever call it writes with. The write is its own event: the
// alert names the writer (not whoever opened the file), the address and the size.
#include <gtest/gtest.h>

#include <set>

#include "default_rules_fixture.h"

namespace e2e {
namespace {

const char* const kWritten = "Memory file of another process written";

class MemoryWrite : public DefaultRulesTest {
 protected:
  // Runs write_mem_fd against a fresh victim and checks the write alert it must raise.
  void expect_write_alert(const std::vector<std::string>& options, const std::string& evt_type) {
    Victim v;
    std::vector<std::string> argv = {attack_program("write_mem_fd"), std::to_string(v.pid())};
    argv.insert(argv.end(), options.begin(), options.end());
    auto r = run_attack(argv);
    std::string what = r.dump();
    auto a = find(kWritten, r["writer_pid"], v.pid());
    ASSERT_TRUE(a) << what << "\n" << dump_alerts();
    EXPECT_EQ((*a)["priority"], "Critical") << what;
    EXPECT_EQ(field_str(*a, "evt.type"), evt_type) << what;
    EXPECT_EQ(field_int(*a, "write.offset"), r["addr"].get<int64_t>()) << what;
    EXPECT_EQ(field_int(*a, "write.bytes"), r["bytes"].get<int64_t>()) << what;
    EXPECT_EQ(field_int(*a, "evt.rawres"), r["bytes"].get<int64_t>()) << what;
    EXPECT_EQ(field_int(*a, "fd.num"), r["fd"].get<int64_t>()) << what;
    EXPECT_EQ(field_str(*a, "fd.name"), "/proc/" + std::to_string(v.pid()) + "/mem") << what;
    EXPECT_EQ(v.finish(), 0) << "the victim ran on, unchanged";
  }
};

TEST_F(MemoryWrite, DescriptorOpenedByTheWriter) {
  expect_write_alert({"--via", "self"}, "pwrite");
}

// The opener forks; only the child writes. The child is named, not the opener.
TEST_F(MemoryWrite, DescriptorInheritedAcrossFork) {
  expect_write_alert({"--via", "inherit"}, "pwrite");
}

// The writer never opened anything and inherited nothing: it received the descriptor.
TEST_F(MemoryWrite, DescriptorReceivedOverAUnixSocket) {
  expect_write_alert({"--via", "scm", "--call", "write"}, "write");
}

TEST_F(MemoryWrite, DescriptorDuplicatedOntoAnotherNumber) {
  expect_write_alert({"--via", "dup", "--call", "writev"}, "writev");
}

TEST_F(MemoryWrite, DescriptorTakenWithPidfdGetfd) {
  expect_write_alert({"--via", "pidfd", "--call", "pwritev"}, "pwritev");
}

// A second thread replaces the descriptor with /dev/null while the kernel writes through it
// (the write's source page is held back with userfaultfd): what the write began with counts.
TEST_F(MemoryWrite, DescriptorSwappedWhileTheWriteIsUnderWay) {
  expect_write_alert({"--via", "swap"}, "pwrite");
}

// Each call, including those that write at the file position (write, writev, pwritev2 at -1):
// the offset reported is where the write went.
TEST_F(MemoryWrite, EveryWriteCallAndItsOffset) {
  for (const auto& [call, type] : std::vector<std::pair<std::string, std::string>>{
           {"write", "write"}, {"pwrite", "pwrite"}, {"writev", "writev"},
           {"pwritev", "pwritev"}, {"pwritev2", "pwritev2"}}) {
    SCOPED_TRACE(call);
    expect_write_alert({"--call", call}, type);
  }
}

// write(2) through the ia32 entry (int 0x80) from 64-bit code: the raw syscall hook sees it with
// its ia32 number.
TEST_F(MemoryWrite, Ia32WriteThroughInt80) {
  expect_write_alert({"--via", "inherit", "--call", "int80"}, "write");
}

// The open that came first is reported below the write: WARNING, and by the opener.
TEST_F(MemoryWrite, TheOpenIsAWarningTheWriteCritical) {
  Victim v;
  auto r = run_attack({attack_program("write_mem_fd"), std::to_string(v.pid()), "--via", "inherit"});
  auto open = find("Memory file of another process opened for writing", r["opener_pid"], v.pid());
  ASSERT_TRUE(open) << dump_alerts();
  EXPECT_EQ((*open)["priority"], "Warning");
  auto write = find(kWritten, r["writer_pid"], v.pid());
  ASSERT_TRUE(write) << dump_alerts();
  EXPECT_NE(r["writer_pid"], r["opener_pid"]);
  EXPECT_EQ(v.finish(), 0);
}

// A real gdb changing a variable of a running process it did not start: it writes through the
// memory file it opened read-write. WARNING (a debugger), and nothing above it.
TEST_F(MemoryWrite, GdbSetVarIntoANonDescendantIsAWarning) {
  Victim v;
  std::string canary = v.report()["canary"];  // first byte 't' (116): written onto itself
  Process gdb({"/usr/bin/gdb", "-p", std::to_string(v.pid()), "-batch", "-nx", "-ex",
               "set var *(char*)" + canary + " = 116"},
              true);
  EXPECT_EQ(gdb.wait(std::chrono::seconds(60)), 0) << gdb.stderr_text();
  auto a = find("Debugger wrote memory file of another process", gdb.pid(), v.pid());
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Warning");
  EXPECT_EQ(field_int(*a, "write.offset"), std::stoll(canary, nullptr, 16));
  EXPECT_EQ(field_str(*a, "proc.exepath"), "/usr/bin/gdb");
  th_->settle();
  for (const auto& al : th_->alerts()) {
    if (field_int(al, "proc.pid") != gdb.pid()) continue;
    for (const char* severe : {"Emergency", "Alert", "Critical", "Error"})
      EXPECT_NE(al["priority"], severe) << al["output"];
  }
  EXPECT_EQ(v.finish(), 0);
}

// gdb calling a function in the target: registers through ptrace, the return breakpoint through
// the memory file. Both are debugger writes: WARNING. (gdb 13 on this kernel gives up after the
// memory write, "Couldn't write extended state status": the exit code is not the point.)
TEST_F(MemoryWrite, GdbCallIntoANonDescendantIsAWarning) {
  Victim v;
  Process gdb({"/usr/bin/gdb", "-p", std::to_string(v.pid()), "-batch", "-nx", "-ex",
               "call (int)getpid()"},
              true);
  gdb.wait(std::chrono::seconds(60));
  auto a = find("Debugger wrote memory file of another process", gdb.pid(), v.pid());
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Warning");
}

// The same injector as an unprivileged user against its own victim: ownership is all it needs.
TEST_F(MemoryWrite, UnprivilegedWriterIsCritical) {
  Process victim({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  attack_program("victim"), "--seconds", "30"},
                 true);
  auto line = victim.line(std::chrono::seconds(10));
  ASSERT_TRUE(line) << victim.stderr_text();
  pid_t pid = json::parse(*line)["pid"];
  auto r = run_attack({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                       attack_program("write_mem_fd"), std::to_string(pid), "--via", "scm"});
  auto a = find(kWritten, r["writer_pid"], pid);
  ASSERT_TRUE(a) << dump_alerts();
  EXPECT_EQ((*a)["priority"], "Critical");
  EXPECT_EQ(field_int(*a, "user.uid"), 65534);
}

}  // namespace
}  // namespace e2e
