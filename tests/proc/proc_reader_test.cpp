// ProcReader against fake /proc trees: complete entries, missing pieces, hostile content.
#include "engine/proc/proc_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/proc/fake_proc.h"

namespace th {
namespace {

using fake::FakeProc;
using fake::FakeProcTree;

const std::string kCid = "7540c0238a35a3dc1ba8d8deb403806270ad45528ab2d7420678ccfa998acf93";

uint64_t start_ns_for(uint64_t ticks) {
  return FakeProcTree::kBtime * 1'000'000'000ull +
         ticks * 1'000'000'000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
}

TEST(ProcReader, ReadsAContainerProcess) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 4242;
  f.ppid = 4200;
  f.comm = "nginx";
  f.argv = {"nginx: master process", "-g", "daemon off;"};
  f.exe = "/usr/sbin/nginx";
  f.ruid = 1000;
  f.euid = 101;
  f.loginuid = 1000;
  f.nspid = {4242, 1};
  f.pidns = 4026532999;
  f.cgroup = "0::/system.slice/docker-" + kCid + ".scope\n";
  f.tty_nr = 34817;
  f.start_ticks = 123456;
  tree.add(f);

  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(4242, p));
  EXPECT_EQ(p.pid, 4242);
  EXPECT_EQ(p.ppid, 4200);
  EXPECT_EQ(p.vpid, 1);
  EXPECT_EQ(p.pidns, 4026532999u);
  EXPECT_EQ(p.uid, 101u);
  EXPECT_EQ(p.loginuid, 1000u);
  EXPECT_EQ(p.tty, 34817u);
  EXPECT_EQ(p.start_ns, start_ns_for(123456));
  EXPECT_EQ(p.comm, "nginx");
  EXPECT_EQ(p.exepath, "/usr/sbin/nginx");
  EXPECT_FALSE(p.exe_from_memfd);
  EXPECT_EQ(p.argv, f.argv);
  EXPECT_EQ(p.args, "-g daemon off;");
  EXPECT_EQ(p.cmdline, "nginx -g daemon off;");
  EXPECT_EQ(p.container_full_id, kCid);
  EXPECT_EQ(p.container_id, kCid.substr(0, 12));
  EXPECT_FALSE(p.exited);
}

TEST(ProcReader, HostProcessAndNoLoginuid) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 812;
  f.ppid = 1;
  f.comm = "sshd";
  f.argv = {"sshd: /usr/sbin/sshd -D"};
  f.exe = "/usr/sbin/sshd";
  tree.add(f);
  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(812, p));
  EXPECT_EQ(p.loginuid, kNoUid);
  EXPECT_EQ(p.container_id, "host");
  EXPECT_EQ(p.container_full_id, "");
  EXPECT_EQ(p.vpid, 812);
  EXPECT_EQ(p.pidns, 4026531836u);
}

TEST(ProcReader, MemfdAndDeletedExecutables) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 10;
  f.ppid = 1;
  f.argv = {"x"};
  f.exe = "/memfd:stage2 (deleted)";
  tree.add(f);
  f.pid = 11;
  f.exe = "/tmp/dropper (deleted)";
  tree.add(f);
  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(10, p));
  EXPECT_TRUE(p.exe_from_memfd);
  EXPECT_EQ(p.exepath, "/memfd:stage2");
  ASSERT_TRUE(reader.read(11, p));
  EXPECT_FALSE(p.exe_from_memfd);
  EXPECT_EQ(p.exepath, "/tmp/dropper");
}

TEST(ProcReader, KernelThreadGetsCommAsExe) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 2;
  f.ppid = 0;
  f.comm = "kthreadd";
  f.exe = std::nullopt;  // readlink fails for kernel threads
  tree.add(f);
  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(2, p));
  EXPECT_EQ(p.ppid, 0);
  EXPECT_EQ(p.exepath, "");
  ASSERT_EQ(p.argv.size(), 1u);
  EXPECT_EQ(p.argv[0], "kthreadd");
}

TEST(ProcReader, ThreadIdResolvesToItsGroup) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 503;
  f.tgid = 500;
  f.ppid = 1;
  f.argv = {"app"};
  tree.add(f);
  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(503, p));
  EXPECT_EQ(p.pid, 500);
}

TEST(ProcReader, MissingProcessOrRoot) {
  FakeProcTree tree;
  ProcReader reader(tree.root_str());
  Process p;
  p.pid = 77;
  EXPECT_FALSE(reader.read(99999, p));
  EXPECT_EQ(p.pid, 77) << "a failed read must leave the output alone";
  EXPECT_FALSE(reader.read(0, p));
  EXPECT_FALSE(reader.read(-5, p));
  ProcReader none("");
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(none.read(1, p));
  EXPECT_TRUE(none.list_pids().empty());
  ProcReader missing(tree.root_str() + "/does-not-exist");
  EXPECT_TRUE(missing.list_pids().empty());
  EXPECT_EQ(missing.boot_time_ns(), 0u);
}

TEST(ProcReader, VanishedMidReadKeepsWhatItHas) {
  // Only stat is left: the process died between reads of its files.
  FakeProcTree tree;
  tree.write(60, "stat", "60 (dying) Z 1 60 60 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 0\n");
  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(60, p));
  EXPECT_EQ(p.pid, 60);
  EXPECT_EQ(p.ppid, 1);
  EXPECT_EQ(p.comm, "dying");
  EXPECT_EQ(p.exepath, "");
  EXPECT_EQ(p.container_id, "host");
  EXPECT_EQ(p.loginuid, kNoUid);
}

struct HostileCase {
  const char* name;
  const char* file;
  std::string content;
  bool readable;  // read() still succeeds
};

class HostileContent : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileContent, NeverCrashes) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 300;
  f.ppid = 1;
  f.argv = {"victim", "--flag"};
  f.exe = "/usr/bin/victim";
  tree.add(f);
  tree.write(300, GetParam().file, GetParam().content);
  ProcReader reader(tree.root_str());
  Process p;
  EXPECT_EQ(reader.read(300, p), GetParam().readable);
  if (GetParam().readable) {
    EXPECT_EQ(p.pid, 300);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, HostileContent,
    ::testing::Values(
        HostileCase{"stat_empty", "stat", "", false},
        HostileCase{"stat_garbage", "stat", "\xff\xfe garbage", false},
        HostileCase{"status_garbage", "status", std::string(5000, ':'), true},
        HostileCase{"status_huge_numbers", "status",
                    "Tgid:\t99999999999999\nUid:\t99999999999\nNSpid:\t-5\n", true},
        HostileCase{"cmdline_huge", "cmdline", std::string(1 << 20, 'A'), true},
        HostileCase{"loginuid_garbage", "loginuid", "not a number", true},
        HostileCase{"loginuid_too_big", "loginuid", "99999999999", true},
        HostileCase{"cgroup_garbage", "cgroup", std::string(10000, '/'), true},
        HostileCase{"comm_empty", "comm", "", true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProcReader, CmdlineIsCappedAndLoginuidIgnoredWhenBad) {
  FakeProcTree tree;
  FakeProc f;
  f.pid = 301;
  f.ppid = 1;
  tree.add(f);
  tree.write(301, "cmdline", std::string(1 << 20, 'A'));
  tree.write(301, "loginuid", "99999999999");
  ProcReader reader(tree.root_str());
  Process p;
  ASSERT_TRUE(reader.read(301, p));
  ASSERT_EQ(p.argv.size(), 1u);
  EXPECT_EQ(p.argv[0].size(), ProcReader::kMaxCmdlineBytes);
  EXPECT_EQ(p.loginuid, kNoUid);
}

TEST(ProcReader, ListsOnlyNumericEntries) {
  FakeProcTree tree;
  for (int32_t pid : {1, 17, 300}) {
    FakeProc f;
    f.pid = pid;
    tree.add(f);
  }
  fake::write_text(tree.root() / "self" / "stat", "x");
  fake::write_text(tree.root() / "12ab" / "stat", "x");
  ProcReader reader(tree.root_str());
  EXPECT_EQ(reader.list_pids(), (std::vector<int32_t>{1, 17, 300}));
  EXPECT_EQ(reader.boot_time_ns(), FakeProcTree::kBtime * 1'000'000'000ull);
}

}  // namespace
}  // namespace th
