// ProcessTable state keeping without /proc (replay mode): fork/exec/exit sequences, reaping,
// the size bound and loops in ppid chains.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/metrics/metrics.h"
#include "engine/proc/process_table.h"

namespace th {
namespace {

constexpr uint64_t kCloneParent = 0x00008000;
constexpr uint64_t kCloneThread = 0x00010000;
constexpr uint64_t kCloneNewPid = 0x20000000;
constexpr uint64_t kSec = 1'000'000'000;

class Replay : public ::testing::Test {
 protected:
  ProcessTableOptions opts(std::size_t max_entries = 65536) {
    ProcessTableOptions o;
    o.proc_root = "";
    o.passwd_path = "";
    o.max_entries = max_entries;
    o.exited_grace_ns = 5 * kSec;
    o.metrics = &metrics;
    return o;
  }
  static Actor actor(int32_t pid, int32_t ppid, std::string comm, uint32_t uid = 0) {
    Actor a;
    a.pid = a.tid = a.vpid = pid;
    a.ppid = ppid;
    a.uid = uid;
    a.comm = std::move(comm);
    a.pidns = 4026531836;
    return a;
  }
  static Event fork_ev(const Actor& parent, int32_t child, uint64_t ts, uint64_t flags = 0) {
    Event e;
    e.type = EvtType::clone;
    e.ts_ns = ts;
    e.actor = parent;
    e.child_pid = e.child_tid = child;
    e.clone_flags = flags;
    e.res = child;
    return e;
  }
  static Event exec_ev(const Actor& a, uint64_t ts, std::string exe, std::vector<std::string> argv,
                       bool memfd = false) {
    Event e;
    e.type = EvtType::execve;
    e.ts_ns = ts;
    e.actor = a;
    e.exepath = std::move(exe);
    e.argv = std::move(argv);
    e.exe_from_memfd = memfd;
    return e;
  }
  static Event exit_ev(const Actor& a, uint64_t ts) {
    Event e;
    e.type = EvtType::procexit;
    e.ts_ns = ts;
    e.actor = a;
    return e;
  }
  // A process with exe and argv, as replay would declare it inline.
  static Process proc(int32_t pid, int32_t ppid, std::string exe, std::vector<std::string> argv) {
    Process p;
    p.pid = p.vpid = pid;
    p.ppid = ppid;
    p.exepath = std::move(exe);
    p.argv = std::move(argv);
    auto slash = p.exepath.rfind('/');
    p.comm = p.exepath.substr(slash == std::string::npos ? 0 : slash + 1);
    p.container_id = "host";
    p.refresh_cmdline();
    return p;
  }

  Metrics metrics;
};

TEST_F(Replay, ResolveActorCreatesFromTheActorAlone) {
  ProcessTable t(opts());
  Actor a = actor(300, 200, "gdb", 1000);
  a.loginuid = 1000;
  a.cgroup_id = 99;
  const Process* p = t.resolve_actor(a, 1 * kSec);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pid, 300);
  EXPECT_EQ(p->ppid, 200);
  EXPECT_EQ(p->uid, 1000u);
  EXPECT_EQ(p->loginuid, 1000u);
  EXPECT_EQ(p->cgroup_id, 99u);
  EXPECT_EQ(p->comm, "gdb");
  EXPECT_EQ(p->cmdline, "gdb");
  EXPECT_EQ(p->container_id, "host");
  EXPECT_EQ(p->exepath, "");
  EXPECT_EQ(t.resolve_actor(actor(-1, 0, "x"), kSec), nullptr);
}

TEST_F(Replay, ForkInheritsFromTheParent) {
  ProcessTable t(opts());
  Process parent = proc(200, 100, "/usr/bin/bash", {"-bash"});
  parent.uid = 1000;
  parent.loginuid = 1000;
  parent.tty = 34816;
  parent.container_id = "36daf334dc1e";
  parent.container_full_id = "36daf334dc1ea3bbaeeaf06eba48cfd042e0e3bce49f3375c3a8869bbb8fce21";
  t.upsert(parent);
  Actor pa = actor(200, 100, "bash", 1000);
  pa.loginuid = 1000;
  t.on_fork(fork_ev(pa, 201, 2 * kSec));
  const Process* c = t.find(201);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->ppid, 200);
  EXPECT_EQ(c->exepath, "/usr/bin/bash");
  EXPECT_EQ(c->argv, std::vector<std::string>{"-bash"});
  EXPECT_EQ(c->comm, "bash");
  EXPECT_EQ(c->uid, 1000u);
  EXPECT_EQ(c->loginuid, 1000u);
  EXPECT_EQ(c->tty, 34816u);
  EXPECT_EQ(c->container_id, parent.container_id);
  EXPECT_EQ(c->container_full_id, parent.container_full_id);
  EXPECT_EQ(c->vpid, 201) << "host namespace: vpid is the pid";
  EXPECT_EQ(c->start_ns, 2 * kSec);
  EXPECT_FALSE(c->exited);
  EXPECT_TRUE(t.is_ancestor(200, 201));
}

struct NoChildCase {
  const char* name;
  int32_t child;
  uint64_t flags;
  int64_t res;
};

TEST_F(Replay, ThreadsAndFailuresCreateNoProcess) {
  const NoChildCase cases[] = {
      {"thread_same_tgid", 200, 0, 200},
      {"clone_thread_flag", 205, kCloneThread, 205},
      {"failed_clone", 206, 0, -11},
      {"no_child", 0, 0, 0},
  };
  for (const auto& c : cases) {
    ProcessTable t(opts());
    t.upsert(proc(200, 100, "/usr/bin/bash", {"bash"}));
    const Process before = *t.find(200);
    Event e = fork_ev(actor(200, 100, "bash"), c.child, kSec, c.flags);
    e.res = c.res;
    t.on_fork(e);
    EXPECT_EQ(t.size(), 1u) << c.name;
    const Process* after = t.find(200);
    ASSERT_NE(after, nullptr) << c.name;
    EXPECT_EQ(after->exepath, before.exepath) << c.name;
    EXPECT_EQ(after->argv, before.argv) << c.name;
    EXPECT_EQ(after->ppid, before.ppid) << c.name;
    EXPECT_FALSE(after->exited) << c.name;
  }
}

TEST_F(Replay, CloneParentAndNewPidNamespace) {
  ProcessTable t(opts());
  t.upsert(proc(200, 100, "/usr/bin/unshare", {"unshare"}));
  Actor pa = actor(200, 100, "unshare");
  t.on_fork(fork_ev(pa, 300, kSec, kCloneParent));
  ASSERT_NE(t.find(300), nullptr);
  EXPECT_EQ(t.find(300)->ppid, 100) << "CLONE_PARENT: a sibling of the caller";
  t.on_fork(fork_ev(pa, 301, kSec, kCloneNewPid));
  ASSERT_NE(t.find(301), nullptr);
  EXPECT_EQ(t.find(301)->vpid, 1);
  EXPECT_EQ(t.find(301)->pidns, 0u) << "the new namespace is not known yet";
  // The child's first event tells its namespace.
  Actor ca = actor(301, 200, "unshare");
  ca.vpid = 1;
  ca.pidns = 4026532500;
  t.resolve_actor(ca, 2 * kSec);
  ASSERT_NE(t.find_by_vpid(4026532500, 1), nullptr);
  EXPECT_EQ(t.find_by_vpid(4026532500, 1)->pid, 301);
}

TEST_F(Replay, ChildSeenBeforeItsForkKeepsWhatItSaid) {
  ProcessTable t(opts());
  t.upsert(proc(200, 100, "/usr/bin/bash", {"bash"}));
  Actor ca = actor(201, 200, "bash", 0);
  ca.vpid = 5;
  ca.pidns = 4026532600;
  t.resolve_actor(ca, 2 * kSec);  // the child's own event came first
  t.on_fork(fork_ev(actor(200, 100, "bash"), 201, 2 * kSec));
  const Process* c = t.find(201);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->vpid, 5);
  EXPECT_EQ(c->pidns, 4026532600u);
  EXPECT_EQ(c->exepath, "/usr/bin/bash") << "inherited the missing exe";
}

TEST_F(Replay, ExecReplacesTheImage) {
  ProcessTable t(opts());
  t.upsert(proc(201, 200, "/usr/bin/bash", {"bash"}));
  Actor a = actor(201, 200, "sleep");
  t.on_exec(exec_ev(a, kSec, "/usr/bin/sleep", {"sleep", "100"}));
  const Process* p = t.find(201);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->exepath, "/usr/bin/sleep");
  EXPECT_EQ(p->argv, (std::vector<std::string>{"sleep", "100"}));
  EXPECT_EQ(p->comm, "sleep");
  EXPECT_EQ(p->args, "100");
  EXPECT_EQ(p->cmdline, "sleep 100");
  EXPECT_FALSE(p->exe_from_memfd);
}

struct CommCase {
  const char* name;
  std::string exe;
  std::string actor_comm;
  std::string expected;
};

TEST_F(Replay, ExecCommFromTheEventOrTheExe) {
  const CommCase cases[] = {
      {"event_comm_wins", "/usr/bin/python3.11", "python3", "python3"},
      {"basename_of_exe", "/usr/bin/python3.11", "", "python3.11"},
      {"truncated_to_15", "/opt/bin/averyveryverylongname", "", "averyveryverylo"},
      {"exactly_15", "/bin/fifteen_chars_xx", "", "fifteen_chars_x"},
      {"no_slash", "tool", "", "tool"},
  };
  for (const auto& c : cases) {
    ProcessTable t(opts());
    t.upsert(proc(201, 200, "/usr/bin/bash", {"bash"}));
    Actor a = actor(201, 200, c.actor_comm);
    t.on_exec(exec_ev(a, kSec, c.exe, {c.exe, "-x"}));
    ASSERT_NE(t.find(201), nullptr);
    EXPECT_EQ(t.find(201)->comm, c.expected) << c.name;
    EXPECT_EQ(t.find(201)->cmdline, c.expected + " -x") << c.name;
  }
}

TEST_F(Replay, ExecFromMemfdAndFailedExec) {
  ProcessTable t(opts());
  t.upsert(proc(201, 200, "/usr/bin/bash", {"bash"}));
  Actor a = actor(201, 200, "");
  t.on_exec(exec_ev(a, kSec, "/memfd:stage2", {"[kworker]"}));
  EXPECT_TRUE(t.find(201)->exe_from_memfd) << "the path says memfd";
  t.on_exec(exec_ev(a, 2 * kSec, "/usr/bin/true", {"true"}, /*memfd=*/true));
  EXPECT_TRUE(t.find(201)->exe_from_memfd) << "the event says memfd";
  t.on_exec(exec_ev(a, 3 * kSec, "/usr/bin/true", {"true"}));
  EXPECT_FALSE(t.find(201)->exe_from_memfd);
  Event failed = exec_ev(a, 4 * kSec, "/usr/bin/nope", {"nope"});
  failed.res = -2;
  t.on_exec(failed);
  EXPECT_EQ(t.find(201)->exepath, "/usr/bin/true") << "a failed exec changes nothing";
}

TEST_F(Replay, ExitMarksThenReapDropsAfterGrace) {
  ProcessTable t(opts());
  Actor a = actor(300, 200, "gdb");
  const Process* p = t.resolve_actor(a, kSec);
  EXPECT_FALSE(p->exited);
  // procexit is the whole group leaving; the probe reports it from the last thread to go,
  // which need not be the leader.
  Actor last_thread = a;
  last_thread.tid = 301;
  t.on_exit(exit_ev(last_thread, 3 * kSec));
  EXPECT_TRUE(p->exited);
  EXPECT_EQ(t.find(300), p) << "late events still find it";
  t.reap(3 * kSec + 5 * kSec - 1);
  EXPECT_EQ(t.find(300), p) << "inside the grace period";
  t.reap(3 * kSec + 5 * kSec);
  EXPECT_EQ(t.find(300), nullptr);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(metrics.value("tracehound_proctable_reaped_total"), 1.0);
  EXPECT_EQ(metrics.value("tracehound_proctable_evictions_total"), 0.0);
  EXPECT_EQ(metrics.value("tracehound_proctable_entries"), 0.0);
}

TEST_F(Replay, ReapingFollowsExitTimeEvenOutOfOrder) {
  ProcessTable t(opts());
  for (int32_t pid : {10, 11, 12}) t.resolve_actor(actor(pid, 1, "w"), kSec);
  t.on_exit(exit_ev(actor(10, 1, "w"), 9 * kSec));
  t.on_exit(exit_ev(actor(11, 1, "w"), 3 * kSec));  // arrives late
  t.on_exit(exit_ev(actor(12, 1, "w"), 6 * kSec));
  t.reap(8 * kSec);  // 11 is past its grace (3+5), 12 and 10 are not
  EXPECT_EQ(t.find(11), nullptr);
  EXPECT_NE(t.find(12), nullptr);
  EXPECT_NE(t.find(10), nullptr);
  t.reap(11 * kSec);
  EXPECT_EQ(t.find(12), nullptr);
  EXPECT_NE(t.find(10), nullptr);
  t.reap(14 * kSec);
  EXPECT_EQ(t.size(), 0u);
}

TEST_F(Replay, PidReuseAfterExit) {
  ProcessTable t(opts());
  t.upsert(proc(400, 1, "/usr/bin/old", {"old"}));
  Actor old_actor = actor(400, 1, "old");
  t.on_exit(exit_ev(old_actor, 5 * kSec));
  // A late event of the old process (same time) still finds the exited entry.
  EXPECT_TRUE(t.resolve_actor(old_actor, 5 * kSec)->exited);
  // Later activity on the pid is a new process whose fork we missed.
  const Process* n = t.resolve_actor(actor(400, 77, "new"), 6 * kSec);
  ASSERT_NE(n, nullptr);
  EXPECT_FALSE(n->exited);
  EXPECT_EQ(n->comm, "new");
  EXPECT_EQ(n->exepath, "");
  EXPECT_EQ(n->ppid, 77);
  // Reaping at the old exit's deadline no longer drops it.
  t.reap(100 * kSec);
  EXPECT_NE(t.find(400), nullptr);
}

TEST_F(Replay, ForkOntoAnExitedPidReplacesIt) {
  ProcessTable t(opts());
  t.upsert(proc(200, 1, "/usr/bin/bash", {"bash"}));
  t.upsert(proc(500, 1, "/usr/bin/stale", {"stale"}));
  t.on_exit(exit_ev(actor(500, 1, "stale"), kSec));
  t.on_fork(fork_ev(actor(200, 1, "bash"), 500, 2 * kSec));
  const Process* c = t.find(500);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->exited);
  EXPECT_EQ(c->exepath, "/usr/bin/bash");
  EXPECT_EQ(c->ppid, 200);
  t.reap(100 * kSec);
  EXPECT_NE(t.find(500), nullptr) << "no longer on the exited list";
}

TEST_F(Replay, PointersSurviveGrowthUntilReaped) {
  ProcessTable t(opts(0));
  const Process* first = t.resolve_actor(actor(1, 0, "init"), kSec);
  for (int32_t pid = 2; pid < 20000; ++pid) t.resolve_actor(actor(pid, 1, "w"), kSec);
  EXPECT_EQ(first->pid, 1);
  EXPECT_EQ(first->comm, "init");
  EXPECT_EQ(t.find(1), first);
}

TEST_F(Replay, BoundEvictsLeastRecentlySeenLiveEntries) {
  ProcessTable t(opts(5));
  for (int32_t pid = 1; pid <= 8; ++pid) t.resolve_actor(actor(pid, 0, "p"), kSec);
  t.resolve_actor(actor(1, 0, "p"), 2 * kSec);  // seen again: now the most recent
  t.resolve_pid(2);                             // looked up as a target: recent too
  EXPECT_EQ(t.size(), 8u) << "nothing is evicted outside reap()";
  t.reap(2 * kSec);
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.evictions(), 3u);
  EXPECT_EQ(metrics.value("tracehound_proctable_evictions_total"), 3.0);
  EXPECT_EQ(metrics.value("tracehound_proctable_entries"), 5.0);
  // 3, 4, 5 were the least recently seen.
  for (int32_t pid : {3, 4, 5}) EXPECT_EQ(t.find(pid), nullptr) << pid;
  for (int32_t pid : {1, 2, 6, 7, 8}) EXPECT_NE(t.find(pid), nullptr) << pid;
}

TEST_F(Replay, BoundEvictsExitedEntriesFirstOldestExitFirst) {
  ProcessTable t(opts(4));
  for (int32_t pid = 1; pid <= 6; ++pid) t.resolve_actor(actor(pid, 0, "p"), kSec);
  t.on_exit(exit_ev(actor(5, 0, "p"), 3 * kSec));
  t.on_exit(exit_ev(actor(6, 0, "p"), 2 * kSec));
  t.on_exit(exit_ev(actor(4, 0, "p"), 4 * kSec));
  t.reap(4 * kSec);  // all within grace: only the bound evicts
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.evictions(), 2u);
  EXPECT_EQ(t.find(6), nullptr) << "exited first";
  EXPECT_EQ(t.find(5), nullptr) << "exited second";
  EXPECT_NE(t.find(4), nullptr);
  for (int32_t pid : {1, 2, 3}) EXPECT_NE(t.find(pid), nullptr) << pid << " is live";
}

TEST_F(Replay, LoopsInPpidChainsEnd) {
  ProcessTable t(opts());
  // 10 -> 11 -> 12 -> 10: a cycle from bad replay input.
  t.upsert(proc(10, 11, "/a", {"a"}));
  t.upsert(proc(11, 12, "/b", {"b"}));
  t.upsert(proc(12, 10, "/c", {"c"}));
  // 20 -> 21 -> 22 -> 21: a cycle that does not include the start.
  t.upsert(proc(20, 21, "/d", {"d"}));
  t.upsert(proc(21, 22, "/e", {"e"}));
  t.upsert(proc(22, 21, "/f", {"f"}));
  // 30 is its own parent.
  t.upsert(proc(30, 30, "/g", {"g"}));

  std::vector<int32_t> seen;
  t.for_each_ancestor(*t.find(10), [&](const Process& p) {
    seen.push_back(p.pid);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<int32_t>{11, 12}));
  seen.clear();
  t.for_each_ancestor(*t.find(20), [&](const Process& p) {
    seen.push_back(p.pid);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<int32_t>{21, 22}));

  EXPECT_EQ(t.ancestor(*t.find(10), 3), nullptr);
  EXPECT_EQ(t.ancestor(*t.find(20), 3), nullptr);
  EXPECT_EQ(t.ancestor(*t.find(30), 1), nullptr);
  EXPECT_FALSE(t.is_ancestor(10, 10));
  EXPECT_TRUE(t.is_ancestor(12, 10));
  EXPECT_FALSE(t.is_ancestor(20, 21)) << "20 is not reachable from 21";
  EXPECT_FALSE(t.is_ancestor(99, 20));
  EXPECT_FALSE(t.is_ancestor(99, 30));
}

TEST_F(Replay, LongChainsAreBounded) {
  ProcessTable t(opts());
  const int32_t n = 200;
  for (int32_t pid = 1; pid <= n; ++pid) t.upsert(proc(pid, pid - 1, "/x", {"x"}));
  const Process* leaf = t.find(n);
  ASSERT_NE(leaf, nullptr);
  const unsigned max = ProcessTable::kMaxAncestry;
  ASSERT_NE(t.ancestor(*leaf, max), nullptr);
  EXPECT_EQ(t.ancestor(*leaf, max)->pid, n - static_cast<int32_t>(max));
  EXPECT_EQ(t.ancestor(*leaf, max + 1), nullptr);
  unsigned visits = 0;
  t.for_each_ancestor(*leaf, [&](const Process&) {
    ++visits;
    return true;
  });
  EXPECT_EQ(visits, max);
  EXPECT_TRUE(t.is_ancestor(n - 10, n));
  EXPECT_FALSE(t.is_ancestor(1, n)) << "beyond the ancestry bound";
}

TEST_F(Replay, UpsertOfAnExitedProcess) {
  ProcessTable t(opts());
  t.resolve_actor(actor(1, 0, "init"), 10 * kSec);
  Process p = proc(700, 1, "/x", {"x"});
  p.exited = true;
  const Process* e = t.upsert(p);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->exited);
  t.reap(10 * kSec + 5 * kSec);
  EXPECT_EQ(t.find(700), nullptr) << "exited at the latest time seen, reaped after grace";
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// The kernel's cgroup at the exec names the container: no /proc read, so a container's first
// process that is gone before user space looks still gets it.
// ---- targets the kernel could not resolve ------------------------------------------------------

// A tracer in pid namespace `ns` naming `vpid`, as the probe reports it without
// bpf_task_from_vpid(): the pid as passed, no host pid.
Event unresolved(EvtType type, const Actor& tracer, int32_t vpid, int64_t request = 0) {
  Event e;
  e.type = type;
  e.ts_ns = 3 * kSec;
  e.actor = tracer;
  e.request = request;
  e.target_arg_pid = vpid;
  return e;
}

constexpr uint64_t kInnerNs = 4026532999;

Actor in_namespace(int32_t pid, int32_t vpid, std::string comm) {
  Actor a;
  a.pid = a.tid = pid;
  a.vpid = vpid;
  a.ppid = 1;
  a.comm = std::move(comm);
  a.pidns = kInnerNs;
  return a;
}

// A victim (pid 7 inside) and a tracer (pid 8 inside) of one pid namespace, both known to `t`.
struct NamespacePair {
  Actor victim = in_namespace(5001, 7, "victim");
  Actor tracer = in_namespace(5002, 8, "tracer");
};
NamespacePair known_pair(ProcessTable& t) {
  NamespacePair n;
  t.resolve_actor(n.victim, kSec);
  t.resolve_actor(n.tracer, 2 * kSec);
  return n;
}

TEST_F(Replay, TargetsNamedInsideAPidNamespaceResolveThroughTheIndex) {
  ProcessTable t(opts());
  const auto [victim, tracer] = known_pair(t);

  for (EvtType type : {EvtType::process_vm_writev, EvtType::process_vm_readv, EvtType::ptrace}) {
    Event e = unresolved(type, tracer, 7, /*PTRACE_ATTACH*/ 16);
    const Process* p = t.resolve_target(e);
    ASSERT_NE(p, nullptr) << evt_type_name(type);
    EXPECT_EQ(p->pid, 5001);
    EXPECT_EQ(e.target_pid, 5001) << "the event carries the host pid";
    EXPECT_EQ(e.target_tid, 5001);
    EXPECT_EQ(e.target_arg_pid, 7) << "and still what the caller named";
  }

  // The same number in another namespace is another process (or none).
  Actor host_tracer = actor(900, 1, "gdb");
  Event other_ns = unresolved(EvtType::process_vm_writev, host_tracer, 7);
  EXPECT_EQ(t.resolve_target(other_ns), nullptr);
  EXPECT_EQ(other_ns.target_pid, 0);
}

TEST_F(Replay, WhatTheKernelResolvedOrNoPidNamesStaysAsItIs) {
  ProcessTable t(opts());
  const auto [victim, tracer] = known_pair(t);
  t.upsert(proc(6000, 1, "/usr/bin/other", {"other"}));

  Event resolved = unresolved(EvtType::process_vm_writev, tracer, 7);
  resolved.target_pid = resolved.target_tid = 6000;  // the kernel's answer wins
  ASSERT_NE(t.resolve_target(resolved), nullptr);
  EXPECT_EQ(t.resolve_target(resolved)->pid, 6000);

  Event traceme = unresolved(EvtType::ptrace, tracer, 7, /*PTRACE_TRACEME*/ 0);
  EXPECT_EQ(t.resolve_target(traceme), nullptr) << "TRACEME's pid argument means nothing";
  EXPECT_EQ(traceme.target_pid, 0);

  Event mem = unresolved(EvtType::openat, tracer, 7);
  EXPECT_EQ(t.resolve_target(mem), nullptr) << "a /proc path names a pid of its mount";

  Event exec = unresolved(EvtType::execve, tracer, 7);
  EXPECT_EQ(t.resolve_target(exec), nullptr);

  Actor no_ns = tracer;
  no_ns.pidns = 0;
  Event unknown_ns = unresolved(EvtType::process_vm_writev, no_ns, 7);
  EXPECT_EQ(t.resolve_target(unknown_ns), nullptr);
}

TEST_F(Replay, AnExitedProcessIsNoTargetByItsNamespacePid) {
  ProcessTable t(opts());
  const auto [victim, tracer] = known_pair(t);
  t.on_exit(exit_ev(victim, 3 * kSec));
  Event e = unresolved(EvtType::process_vm_writev, tracer, 7);
  EXPECT_EQ(t.resolve_target(e), nullptr) << "pid 7 may name a process whose fork was missed";
  EXPECT_EQ(e.target_pid, 0);
}

TEST(ExecCgroup, TheKernelsCgroupNamesTheContainer) {
  ProcessTable t(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  const std::string id(64, 'a');
  Event e;
  e.type = EvtType::execve;
  e.ts_ns = 1;
  e.actor.pid = e.actor.tid = 77;
  e.actor.ppid = 1;
  e.actor.cgroup_id = 9001;
  e.exepath = "/bin/true";
  e.argv = {"/bin/true"};
  e.cgroup = "/libpod_parent/libpod-" + id;
  t.on_exec(e);
  EXPECT_EQ(t.find(77)->container_full_id, id);
  EXPECT_EQ(t.find(77)->container_id, id.substr(0, 12));
  // Another process of the same cgroup that never exec'd inherits the answer.
  Actor other = e.actor;
  other.pid = other.tid = 78;
  EXPECT_EQ(t.resolve_actor(other, 2)->container_id, id.substr(0, 12));
  // An exec in the root cgroup is on the host, whatever was thought before.
  e.cgroup = "/";
  t.on_exec(e);
  EXPECT_EQ(t.find(77)->container_id, "host");
}

}  // namespace
}  // namespace th
