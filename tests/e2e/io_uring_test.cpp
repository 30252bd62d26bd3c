// Live, with the default ruleset: memory files opened and written through io_uring requests
// (tests/attack/write_mem_iouring), which run no open or write system call of their own. The
// same rules as for the system calls fire, with evt.is_io_uring = true, whichever way the
// request reaches the file: a descriptor, a fixed-file slot, opened by the ring itself ("direct"),
// issued by a worker thread (IOSQE_ASYNC), without a completion (IOSQE_CQE_SKIP_SUCCESS), or
// linked behind the open in one submission.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>

#include "default_rules_fixture.h"

namespace e2e {
namespace {

const char* const kWritten = "Memory file of another process written";
const char* const kOpened = "Memory file of another process opened for writing";

class IoUring : public DefaultRulesTest {
 protected:
  // Runs write_mem_iouring against a fresh victim and checks the write alert; returns the
  // attack's report.
  json expect_write_alert(const std::vector<std::string>& options, const std::string& evt_type) {
    Victim v;
    std::vector<std::string> argv = {attack_program("write_mem_iouring"), std::to_string(v.pid())};
    argv.insert(argv.end(), options.begin(), options.end());
    json r = run_attack(argv);
    std::string what = r.dump();
    auto a = find(kWritten, r["writer_pid"], v.pid());
    EXPECT_TRUE(a) << what << "\n" << dump_alerts();
    if (!a) return r;
    EXPECT_EQ((*a)["priority"], "Critical") << what;
    EXPECT_EQ(field_str(*a, "evt.type"), evt_type) << what;
    EXPECT_EQ(field_str(*a, "evt.is_io_uring"), "true") << what;
    EXPECT_EQ(field_int(*a, "write.offset"), r["addr"].get<int64_t>()) << what;
    EXPECT_EQ(field_int(*a, "write.bytes"), r["bytes"].get<int64_t>()) << what;
    EXPECT_EQ(field_int(*a, "fd.num"), r["fd"].get<int64_t>()) << what;
    EXPECT_EQ(field_str(*a, "fd.name"), "/proc/" + std::to_string(v.pid()) + "/mem") << what;
    // The writer's own name (comm: 15 characters), not that of the io_uring worker thread
    // (iou-wrk-N) that may have run the write.
    EXPECT_EQ(field_str(*a, "proc.cmdline").rfind("write_mem_iouri ", 0), 0u) << what;
    EXPECT_EQ(v.finish(), 0) << "the victim ran on, unchanged";
    return r;
  }
};

TEST_F(IoUring, WriteThroughADescriptorOpenedWithOpen) {
  expect_write_alert({"--open", "syscall"}, "pwrite");
}

// Every write request, from the caller's buffer and from a registered one.
TEST_F(IoUring, EveryWriteRequest) {
  for (const auto& [op, type] : std::vector<std::pair<std::string, std::string>>{
           {"write", "pwrite"}, {"writev", "pwritev"},
           {"write_fixed", "pwrite"}, {"writev_fixed", "pwritev"}}) {
    SCOPED_TRACE(op);
    expect_write_alert({"--op", op}, type);
  }
}

// Offset -1: the request writes at the file position (set with lseek), as write(2) does.
TEST_F(IoUring, WriteAtTheFilePosition) {
  expect_write_alert({"--at", "filepos"}, "write");
}

// Neither the open nor the write is a system call: the open is reported too.
TEST_F(IoUring, OpenedAndWrittenByTheRing) {
  auto r = expect_write_alert({"--open", "ring"}, "pwrite");
  auto open = find(kOpened, r["writer_pid"], r["target_pid"]);
  ASSERT_TRUE(open) << dump_alerts();
  EXPECT_EQ(field_str(*open, "evt.is_io_uring"), "true");
  EXPECT_EQ(field_str(*open, "fd.name"), r["path"].get<std::string>());
}

// Opened "direct" into a fixed-file slot: no descriptor ever exists in the process's table.
TEST_F(IoUring, OpenedIntoAFixedFileSlot) {
  auto r = expect_write_alert({"--open", "direct"}, "pwrite");
  auto open = find(kOpened, r["writer_pid"], r["target_pid"]);
  ASSERT_TRUE(open) << dump_alerts();
  EXPECT_EQ(field_str(*open, "evt.is_io_uring"), "true");
}

// A registered (fixed) file, the request sent to a worker before its first issue, and no
// completion for the write: seen when it is submitted.
TEST_F(IoUring, FixedFileAsyncWithoutCompletion) {
  expect_write_alert({"--fixed-file", "--async", "--skip-cqe"}, "pwrite");
}

// Open and write linked in one submission, the write without a completion: when the write is
// submitted the slot is still empty; it is seen when the kernel hands it to a worker.
TEST_F(IoUring, LinkedOpenAndWriteWithoutCompletion) {
  expect_write_alert({"--open", "direct", "--link", "--skip-cqe"}, "pwrite");
}

// Through a descriptor the kernel takes from the table late (IOSQE_ASYNC).
TEST_F(IoUring, DescriptorTakenByAWorker) {
  expect_write_alert({"--async"}, "pwrite");
}

// Splicing a pipe into a memory file (IORING_OP_SPLICE; the splice, tee, sendfile and
// copy_file_range syscalls alike) is refused by the kernel: a memory file has no splice_write.
// Should a kernel ever accept it, this fails and the channel needs watching.
TEST_F(IoUring, KernelRefusesSplicingIntoAMemoryFile) {
  Victim v;
  json r = run_attack({attack_program("write_mem_iouring"), std::to_string(v.pid()), "--op", "splice"});
  EXPECT_EQ(r["res"], -EINVAL) << r.dump();
  EXPECT_EQ(v.finish(), 0);
}

// An unprivileged attacker against another process of its own user: the same rule and alert.
TEST_F(IoUring, UnprivilegedWriterIntoItsOwnUsersProcess) {
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                              "--clear-groups"};
  std::vector<std::string> victim_argv = as_nobody;
  victim_argv.insert(victim_argv.end(), {attack_program("victim"), "--seconds", "60"});
  Process victim(victim_argv);
  ASSERT_TRUE(victim.line(std::chrono::seconds(10))) << "the victim did not start";
  std::vector<std::string> argv = as_nobody;
  argv.insert(argv.end(), {attack_program("write_mem_iouring"), std::to_string(victim.pid())});
  json r = run_attack(argv);
  auto a = find(kWritten, r["writer_pid"], victim.pid());
  ASSERT_TRUE(a) << r.dump() << "\n" << dump_alerts();
  EXPECT_EQ(field_str(*a, "evt.is_io_uring"), "true");
  EXPECT_EQ(field_int(*a, "user.uid"), 65534);
  victim.signal(SIGTERM);
  EXPECT_EQ(victim.wait(std::chrono::seconds(10)), 0) << "the victim's canary or code changed";
}

// io_uring used for ordinary files, and on the process's own memory, says nothing.
TEST_F(IoUring, OrdinaryFilesAndOwnMemoryAreQuiet) {
  Process work({attack_program("iouring_workload"), "--files", "4", "--blocks", "64", "--self-mem"},
               true);
  ASSERT_EQ(work.wait(std::chrono::seconds(60)), 0) << work.stderr_text();
  th_->settle();
  for (const auto& a : th_->alerts())
    EXPECT_NE(field_int(a, "proc.pid"), work.pid()) << a["output"];
}

}  // namespace
}  // namespace e2e
