// The process table: every process tracehound knows, keyed by host pid and by (pid namespace,
// pid inside it). Bootstrapped from /proc at start-up, then kept current by fork/exec/exit events.
// Answers ancestry questions for rules (proc.aname[N], target.is_descendant) also for processes
// that started before tracehound, and resolves the targets the kernel could not.
//
// Two things it holds are not about processes and have their own classes: what is known about
// containers (engine/proc/container_registry.h: the table labels processes from it) and user
// names (engine/proc/user_names.h). The field layer reads both through containers() and users().
//
// Pointers returned by find()/resolve() stay valid until the entry is reaped; reaping only happens
// in reap(), which the detector calls between events. Between reaps the table may grow past
// max_entries; reap() brings it back (exited entries first, oldest exit first, then the live
// entries seen least recently), counting each eviction in tracehound_proctable_evictions_total.
//
// Not thread-safe: one table per detector thread.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/core/event.h"
#include "engine/core/process.h"
#include "engine/proc/container_id.h"
#include "engine/proc/container_registry.h"
#include "engine/proc/proc_reader.h"
#include "engine/proc/user_names.h"

namespace th {

class Counter;
class Gauge;
class Metrics;

struct ProcessTableOptions {
  std::size_t max_entries = 65536;  // bound: oldest exited entries go first, then LRU; 0: none
  uint64_t exited_grace_ns = 5'000'000'000;  // keep exited entries this long (late events)
  // Where /proc is. Live mode reads it for processes first seen in an event; replay and rule
  // tests set this empty so that nothing of the host leaks into results.
  std::string proc_root = "/proc";
  // Where user names come from (user.name); "" gives no names (replay, rule tests).
  std::string passwd_path = "/etc/passwd";
  // Registry for the table's metrics; nullptr means Metrics::global().
  Metrics* metrics = nullptr;
};

class ProcessTable {
 public:
  explicit ProcessTable(ProcessTableOptions opts = {});
  // Entries hold iterators into the table's own lists: moving keeps them valid, copying would not.
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;
  ProcessTable(ProcessTable&&) = default;
  ProcessTable& operator=(ProcessTable&&) = default;

  // Reads every process in proc_root. Returns the number of processes loaded.
  std::size_t bootstrap();

  const Process* find(int32_t pid) const;
  // The process whose tgid in pid namespace `pidns` (inode) is `vpid`: resolves a pid that a
  // process inside a container passed to ptrace & co. to the host pid. nullptr when unknown.
  const Process* find_by_vpid(uint64_t pidns, int32_t vpid) const;
  // Inserts or replaces the entry for p.pid (used by replay for inline process objects).
  const Process* upsert(Process p);

  // The acting process of an event: found, or created from the actor (and from proc_root when
  // set), so that an event never lacks a process.
  const Process* resolve_actor(const Actor& a, uint64_t ts_ns);
  // The target of an injection event, when its pid is known; reads proc_root on a miss.
  const Process* resolve_pid(int32_t pid);
  // The target of an injection event `e`: by host pid when the kernel resolved it. Otherwise
  // (kernels without bpf_task_from_vpid: a caller inside a pid namespace naming a pid the kernel
  // could not map) by the pid the caller named, in the caller's namespace, from the index; `e`
  // then carries the host pid. nullptr when there is no target or it is unknown.
  const Process* resolve_target(Event& e);

  // State-keeping events. on_exec replaces exe, argv, comm and memfd flag; on_fork creates the
  // child from the parent; on_exit marks the entry exited (reaped after the grace period).
  void on_fork(const Event& e);
  void on_exec(const Event& e);
  void on_exit(const Event& e);

  // n = 0 is the process itself, 1 its parent... nullptr when the chain ends or is unknown.
  const Process* ancestor(const Process& p, unsigned n) const;
  // Calls f for each ancestor (parent first) until it returns false or the chain ends.
  // Bounded by kMaxAncestry, and stops where the chain loops back on itself (bad input).
  template <class F>
  void for_each_ancestor(const Process& p, F&& f) const {
    int32_t seen[kMaxAncestry + 1];
    unsigned n_seen = 0;
    seen[n_seen++] = p.pid;
    const Process* cur = &p;
    for (unsigned i = 0; i < kMaxAncestry; ++i) {
      if (cur->ppid <= 0 || cur->ppid == cur->pid) return;
      for (unsigned j = 0; j < n_seen; ++j) {
        if (seen[j] == cur->ppid) return;
      }
      cur = find(cur->ppid);
      if (!cur) return;
      seen[n_seen++] = cur->pid;
      if (!f(*cur)) return;
    }
  }
  // Is `ancestor_pid` a strict ancestor of `pid`?
  bool is_ancestor(int32_t ancestor_pid, int32_t pid) const;

  // Drops exited entries older than the grace period and enforces max_entries.
  void reap(uint64_t now_ns);

  // Containers: the cgroup cache that labels processes, and what the runtime said about them
  // (set by ContainerMetadata::apply between events).
  ContainerRegistry& containers() { return containers_; }
  const ContainerRegistry& containers() const { return containers_; }
  // user.name of a uid, from options.passwd_path ("" when unknown). Cheap; see user_names.h.
  // Lookups may re-read the file, hence mutable even through a const table.
  UserNames& users() const { return users_; }

  std::size_t size() const { return procs_.size(); }
  uint64_t evictions() const { return evictions_; }
  const ProcessTableOptions& options() const { return opts_; }

  static constexpr unsigned kMaxAncestry = 64;

 private:
  using Order = std::list<int32_t>;
  struct Entry {
    Process proc;
    uint64_t exit_ns = 0;   // ts of the exit event, when proc.exited
    Order::iterator order;  // position in live_lru_ or exited_ (per proc.exited)
    uint64_t vpid_ns = 0;   // key under which the entry is in by_vpid_ (0: not indexed)
    int32_t vpid_key = 0;
  };
  struct VpidKey {
    uint64_t pidns;
    int32_t vpid;
    bool operator==(const VpidKey&) const = default;
  };
  struct VpidKeyHash {
    std::size_t operator()(const VpidKey& k) const noexcept {
      return std::hash<uint64_t>()(k.pidns * 0x9e3779b97f4a7c15ull ^ static_cast<uint32_t>(k.vpid));
    }
  };

  Process* find_mut(int32_t pid);
  Process* load_from_proc(int32_t pid);
  Entry* find_entry(int32_t pid);
  // Creates (or, for an existing pid, replaces in place) the entry; live and most recent.
  Entry& put(Process p);
  void touch(Entry& e);
  void mark_exited(Entry& e, uint64_t exit_ns);
  void revive(Entry& e);
  void reindex(Entry& e);
  void erase(int32_t pid);
  void enforce_bound();
  void note_time(uint64_t ts_ns);
  void update_gauge();
  // The actor's cgroup changed (a process moved into a container after its fork was seen):
  // its container id is read again, by cgroup id from a cache or from proc_root.
  void refresh_container(Process& p);
  static void set_container(Process& p, const ContainerId& c);

  ProcessTableOptions opts_;
  ProcReader reader_;
  mutable UserNames users_;
  std::unordered_map<int32_t, Entry> procs_;
  std::unordered_map<VpidKey, int32_t, VpidKeyHash> by_vpid_;
  ContainerRegistry containers_;

  Order live_lru_;  // live entries, least recently seen first
  Order exited_;    // exited entries, earliest exit first
  uint64_t last_ts_ = 0;  // latest event time seen
  uint64_t evictions_ = 0;
  Counter* evictions_total_;
  Counter* reaped_total_;
  Gauge* entries_gauge_;
};

}  // namespace th
