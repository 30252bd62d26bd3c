// ProcessTable over a fake /proc: bootstrap, ancestry, pid-namespace lookups, resolve from /proc.
#include "engine/proc/process_table.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/metrics/metrics.h"
#include "tests/proc/fake_proc.h"

namespace th {
namespace {

using fake::FakeProc;
using fake::FakeProcTree;

constexpr uint64_t kHostNs = 4026531836;
constexpr uint64_t kCtrNs = 4026532777;
const std::string kCid = "36daf334dc1ea3bbaeeaf06eba48cfd042e0e3bce49f3375c3a8869bbb8fce21";

FakeProc make(int32_t pid, int32_t ppid, std::string comm, std::vector<std::string> argv,
              std::string exe) {
  FakeProc f;
  f.pid = pid;
  f.ppid = ppid;
  f.comm = std::move(comm);
  f.argv = std::move(argv);
  f.exe = std::move(exe);
  return f;
}

// A small host: systemd -> sshd -> bash -> gdb, kernel threads, and a docker container whose
// init (vpid 1) and worker (vpid 7) live in their own pid namespace.
class FakeHost : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.add(make(1, 0, "systemd", {"/sbin/init"}, "/usr/lib/systemd/systemd"));
    FakeProc kthreadd = make(2, 0, "kthreadd", {}, "");
    kthreadd.exe = std::nullopt;
    tree.add(kthreadd);
    FakeProc kworker = make(3, 2, "kworker/0:0", {}, "");
    kworker.exe = std::nullopt;
    tree.add(kworker);
    tree.add(make(100, 1, "sshd", {"sshd: /usr/sbin/sshd -D"}, "/usr/sbin/sshd"));
    FakeProc bash = make(200, 100, "bash", {"-bash"}, "/usr/bin/bash");
    bash.euid = bash.ruid = 1000;
    bash.loginuid = 1000;
    bash.tty_nr = 34816;
    tree.add(bash);
    FakeProc gdb = make(300, 200, "gdb", {"gdb", "-p", "4020"}, "/usr/bin/gdb");
    gdb.euid = gdb.ruid = 1000;
    gdb.loginuid = 1000;
    tree.add(gdb);
    tree.add(make(4000, 1, "containerd-shim", {"/usr/bin/containerd-shim-runc-v2"},
                  "/usr/bin/containerd-shim-runc-v2"));
    FakeProc init = make(4010, 4000, "nginx", {"nginx: master process"}, "/usr/sbin/nginx");
    init.nspid = {4010, 1};
    init.pidns = kCtrNs;
    init.cgroup = "0::/system.slice/docker-" + kCid + ".scope\n";
    tree.add(init);
    FakeProc worker = init;
    worker.pid = 4020;
    worker.ppid = 4010;
    worker.nspid = {4020, 7};
    worker.argv = {"nginx: worker process"};
    tree.add(worker);
  }

  ProcessTableOptions opts() {
    ProcessTableOptions o;
    o.proc_root = tree.root_str();
    o.passwd_path = "";
    o.metrics = &metrics;
    return o;
  }

  FakeProcTree tree;
  Metrics metrics;
};

TEST_F(FakeHost, BootstrapLoadsEveryProcess) {
  ProcessTable t(opts());
  EXPECT_EQ(t.bootstrap(), 9u);
  EXPECT_EQ(t.size(), 9u);
  EXPECT_EQ(metrics.value("tracehound_proctable_entries"), 9.0);
  const Process* gdb = t.find(300);
  ASSERT_NE(gdb, nullptr);
  EXPECT_EQ(gdb->ppid, 200);
  EXPECT_EQ(gdb->exepath, "/usr/bin/gdb");
  EXPECT_EQ(gdb->cmdline, "gdb -p 4020");
  EXPECT_EQ(gdb->uid, 1000u);
  EXPECT_EQ(gdb->loginuid, 1000u);
  EXPECT_EQ(gdb->container_id, "host");
  EXPECT_EQ(gdb->pidns, kHostNs);
  const Process* worker = t.find(4020);
  ASSERT_NE(worker, nullptr);
  EXPECT_EQ(worker->vpid, 7);
  EXPECT_EQ(worker->container_full_id, kCid);
  EXPECT_EQ(t.find(2)->argv, std::vector<std::string>{"kthreadd"});
  EXPECT_EQ(t.find(12345), nullptr);
}

TEST_F(FakeHost, BootstrapWithoutProcRootLoadsNothing) {
  ProcessTableOptions o = opts();
  o.proc_root = "";
  ProcessTable t(o);
  EXPECT_EQ(t.bootstrap(), 0u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.resolve_pid(300), nullptr) << "replay mode must not read the host";
}

struct AncestorCase {
  int32_t pid;
  unsigned n;
  int32_t expected;  // 0 = nullptr
};

TEST_F(FakeHost, AncestorByIndex) {
  ProcessTable t(opts());
  t.bootstrap();
  const AncestorCase cases[] = {
      {300, 0, 300}, {300, 1, 200}, {300, 2, 100},  {300, 3, 1},    {300, 4, 0},
      {4020, 1, 4010}, {4020, 2, 4000}, {4020, 3, 1}, {4020, 4, 0}, {3, 1, 2},
      {3, 2, 0},     {1, 1, 0},
  };
  for (const auto& c : cases) {
    const Process* p = t.find(c.pid);
    ASSERT_NE(p, nullptr);
    const Process* a = t.ancestor(*p, c.n);
    if (c.expected == 0) {
      EXPECT_EQ(a, nullptr) << c.pid << "[" << c.n << "]";
    } else {
      ASSERT_NE(a, nullptr) << c.pid << "[" << c.n << "]";
      EXPECT_EQ(a->pid, c.expected) << c.pid << "[" << c.n << "]";
    }
  }
}

TEST_F(FakeHost, ForEachAncestorVisitsParentFirst) {
  ProcessTable t(opts());
  t.bootstrap();
  std::vector<int32_t> seen;
  t.for_each_ancestor(*t.find(300), [&](const Process& p) {
    seen.push_back(p.pid);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<int32_t>{200, 100, 1}));
  seen.clear();
  t.for_each_ancestor(*t.find(300), [&](const Process& p) {
    seen.push_back(p.pid);
    return p.pid != 100;  // stop early
  });
  EXPECT_EQ(seen, (std::vector<int32_t>{200, 100}));
}

struct IsAncestorCase {
  int32_t ancestor;
  int32_t pid;
  bool expected;
};

TEST_F(FakeHost, IsAncestor) {
  ProcessTable t(opts());
  t.bootstrap();
  const IsAncestorCase cases[] = {
      {200, 300, true},   {100, 300, true},  {1, 300, true},     {300, 300, false},
      {300, 200, false},  {4000, 4020, true}, {4010, 4020, true}, {200, 4020, false},
      {2, 3, true},       {1, 3, false},      {1, 99999, false},  {0, 300, false},
      {-1, 300, false},   {4020, 4010, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(t.is_ancestor(c.ancestor, c.pid), c.expected) << c.ancestor << " of " << c.pid;
  }
}

TEST_F(FakeHost, IsAncestorKnowsTheParentPidWithoutItsEntry) {
  ProcessTable t(opts());
  Process orphan;
  orphan.pid = 900;
  orphan.ppid = 800;  // 800 is not in the table
  t.upsert(orphan);
  EXPECT_TRUE(t.is_ancestor(800, 900));
  EXPECT_FALSE(t.is_ancestor(1, 900));
}

struct VpidCase {
  uint64_t ns;
  int32_t vpid;
  int32_t host_pid;  // 0 = not found
};

TEST_F(FakeHost, FindByVpid) {
  ProcessTable t(opts());
  t.bootstrap();
  const VpidCase cases[] = {
      {kCtrNs, 1, 4010}, {kCtrNs, 7, 4020}, {kHostNs, 300, 300}, {kHostNs, 1, 1},
      {kCtrNs, 300, 0},  {0, 1, 0},         {kCtrNs, 0, 0},      {12345, 1, 0},
  };
  for (const auto& c : cases) {
    const Process* p = t.find_by_vpid(c.ns, c.vpid);
    if (c.host_pid == 0) {
      EXPECT_EQ(p, nullptr) << c.ns << "/" << c.vpid;
    } else {
      ASSERT_NE(p, nullptr) << c.ns << "/" << c.vpid;
      EXPECT_EQ(p->pid, c.host_pid);
    }
  }
}

TEST_F(FakeHost, FindByVpidFollowsUpdatesAndExits) {
  ProcessTable t(opts());
  Actor a;
  a.pid = 5000;
  a.tid = 5000;
  a.vpid = 12;
  a.pidns = kCtrNs;
  a.comm = "sh";
  t.resolve_actor(a, 10);
  ASSERT_NE(t.find_by_vpid(kCtrNs, 12), nullptr);
  EXPECT_EQ(t.find_by_vpid(kCtrNs, 12)->pid, 5000);
  // The exited holder of vpid 12 stays findable during the grace period...
  Event exit_ev;
  exit_ev.type = EvtType::procexit;
  exit_ev.ts_ns = 20;
  exit_ev.actor = a;
  t.on_exit(exit_ev);
  ASSERT_NE(t.find_by_vpid(kCtrNs, 12), nullptr);
  // ...until a live process takes the number over.
  Actor b = a;
  b.pid = 5100;
  b.tid = 5100;
  t.resolve_actor(b, 30);
  EXPECT_EQ(t.find_by_vpid(kCtrNs, 12)->pid, 5100);
  // Reaping the old holder does not drop the new one's index entry.
  t.reap(20 + t.options().exited_grace_ns);
  EXPECT_EQ(t.find(5000), nullptr);
  ASSERT_NE(t.find_by_vpid(kCtrNs, 12), nullptr);
  EXPECT_EQ(t.find_by_vpid(kCtrNs, 12)->pid, 5100);
}

TEST_F(FakeHost, ResolveActorFillsFromProc) {
  ProcessTable t(opts());  // no bootstrap: first seen in an event
  Actor a;
  a.pid = 300;
  a.tid = 300;
  a.ppid = 200;
  a.uid = 0;  // the kernel says root now (setuid since /proc was written)
  a.loginuid = 1000;
  a.comm = "gdb";
  a.cgroup_id = 77;
  const uint64_t ts = FakeProcTree::kBtime * 1'000'000'000ull + 60'000'000'000ull;
  const Process* p = t.resolve_actor(a, ts);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->exepath, "/usr/bin/gdb");
  EXPECT_EQ(p->argv, (std::vector<std::string>{"gdb", "-p", "4020"}));
  EXPECT_EQ(p->uid, 0u) << "the actor wins over /proc";
  EXPECT_EQ(p->cgroup_id, 77u);
  EXPECT_EQ(p->pidns, kHostNs);
  EXPECT_EQ(p->cmdline, "gdb -p 4020");
  EXPECT_EQ(t.resolve_actor(a, ts + 1), p) << "found, not created again";
  EXPECT_EQ(t.size(), 1u);
}

TEST_F(FakeHost, ResolveActorIgnoresAProcEntryYoungerThanTheEvent) {
  // /proc/300 started a minute after the event: the pid was reused, its data is not ours.
  ProcessTable t(opts());
  Actor a;
  a.pid = 300;
  a.tid = 300;
  a.comm = "old";
  const uint64_t ts = FakeProcTree::kBtime * 1'000'000'000ull - 60'000'000'000ull;
  const Process* p = t.resolve_actor(a, ts);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->exepath, "");
  EXPECT_EQ(p->comm, "old");
  EXPECT_EQ(p->container_id, "host");
}

TEST_F(FakeHost, ResolvePidReadsProcOnAMiss) {
  ProcessTable t(opts());
  const Process* p = t.resolve_pid(4020);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->vpid, 7);
  EXPECT_EQ(t.resolve_pid(4020), p);
  EXPECT_EQ(t.resolve_pid(99999), nullptr);
  EXPECT_EQ(t.resolve_pid(0), nullptr);
  EXPECT_EQ(t.resolve_pid(-3), nullptr);
  EXPECT_EQ(t.size(), 1u);
}

TEST_F(FakeHost, ResolvePidOfAThreadGivesItsGroup) {
  FakeProc thread = make(4021, 4010, "nginx", {"nginx: worker process"}, "/usr/sbin/nginx");
  thread.tgid = 4020;
  tree.add(thread);
  ProcessTable t(opts());
  const Process* p = t.resolve_pid(4021);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pid, 4020);
  EXPECT_EQ(t.find(4021), nullptr);
  EXPECT_EQ(t.find(4020), p);
}

TEST_F(FakeHost, UpsertReplacesInPlace) {
  ProcessTable t(opts());
  t.bootstrap();
  const Process* before = t.find(300);
  Process p = *before;
  p.comm = "lldb";
  p.argv = {"lldb"};
  p.refresh_cmdline();
  const Process* after = t.upsert(p);
  EXPECT_EQ(after, before) << "pointers stay valid across replacement";
  EXPECT_EQ(before->comm, "lldb");
  EXPECT_EQ(t.size(), 9u);
}

TEST_F(FakeHost, UserNamesComeFromTheConfiguredFile) {
  fake::write_text(tree.root() / "passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  ProcessTableOptions o = opts();
  o.passwd_path = (tree.root() / "passwd").string();
  ProcessTable t(o);
  EXPECT_EQ(t.users().name(1000), "alice");
  EXPECT_EQ(t.users().name(0), "root");
  EXPECT_EQ(t.users().name(4242), "");
  ProcessTable none(opts());
  EXPECT_EQ(none.users().name(0), "");
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// A process read from /proc while runc still had it on the host, moved into its container
// before its first event: the first cgroup id an event brings makes the table look again.
TEST_F(FakeHost, FirstCgroupIdFromAnEventRereadsTheContainer) {
  FakeProc starting = make(5000, 4000, "runc:[2:INIT]", {"runc", "init"}, "/usr/bin/runc");
  tree.add(starting);
  ProcessTable t(opts());
  t.bootstrap();
  ASSERT_EQ(t.find(5000)->container_id, "host");
  EXPECT_EQ(t.find(5000)->cgroup_id, 0u) << "/proc gives no cgroup id";
  starting.cgroup = "0::/system.slice/docker-" + kCid + ".scope\n";
  tree.add(starting);  // it joined the container's cgroup
  Actor a;
  a.pid = a.tid = 5000;
  a.ppid = 4000;
  a.comm = "injector";
  a.cgroup_id = 4242;
  const Process* p = t.resolve_actor(a, FakeProcTree::kBtime * 1'000'000'000ull + 1);
  EXPECT_EQ(p->container_id, kCid.substr(0, 12));
  EXPECT_EQ(p->container_full_id, kCid);
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// A read in the middle of a runtime's move can show no container yet: that is not remembered for
// the cgroup, and the exec (after the move) looks again.
TEST_F(FakeHost, ExecLooksAgainAfterAReadMidMove) {
  FakeProc init = make(5100, 4000, "runc:[2:INIT]", {"runc", "init"}, "/usr/bin/runc");
  tree.add(init);  // its cgroup still the host's
  ProcessTable t(opts());
  Actor a;
  a.pid = a.tid = 5100;
  a.ppid = 4000;
  a.comm = "victim";
  a.cgroup_id = 7;  // the unified hierarchy already moved
  const uint64_t ts = FakeProcTree::kBtime * 1'000'000'000ull + 1;
  ASSERT_EQ(t.resolve_actor(a, ts)->container_id, "host");
  init.cgroup = "4:memory:/docker/" + kCid + "\n0::/docker/" + kCid + "\n";
  tree.add(init);
  Event exec;
  exec.type = EvtType::execve;
  exec.ts_ns = ts + 1;
  exec.actor = a;
  exec.exepath = "/attack/victim";
  exec.argv = {"/attack/victim"};
  t.on_exec(exec);
  EXPECT_EQ(t.find(5100)->container_id, kCid.substr(0, 12));
  // Another process of that cgroup, gone before it could be read, still gets the container.
  Actor b = a;
  b.pid = b.tid = 5200;
  EXPECT_EQ(t.resolve_actor(b, ts + 2)->container_id, kCid.substr(0, 12));
}

}  // namespace
}  // namespace th
