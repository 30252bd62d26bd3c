// The process table: every process tracehound knows, keyed by host pid. Bootstrapped from /proc
// at start-up, then kept current by fork/exec/exit events. Answers ancestry questions for rules
// (proc.aname[N], target.is_descendant) also for processes that started before tracehound.
//
// Pointers returned by find()/resolve() stay valid until the entry is reaped; reaping only happens
// in reap(), which the detector calls between events.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/core/event.h"
#include "engine/core/process.h"

namespace th {

struct ProcessTableOptions {
  std::size_t max_entries = 65536;         // bound: oldest exited entries go first, then LRU
  uint64_t exited_grace_ns = 5'000'000'000;  // keep exited entries this long (late events)
  // Where /proc is. Live mode reads it for processes first seen in an event; replay and rule
  // tests set this empty so that nothing of the host leaks into results.
  std::string proc_root = "/proc";
};

class ProcessTable {
 public:
  explicit ProcessTable(ProcessTableOptions opts = {});

  // Reads every process in proc_root. Returns the number of processes loaded.
  std::size_t bootstrap();

  const Process* find(int32_t pid) const;
  // Inserts or replaces the entry for p.pid (used by replay for inline process objects).
  const Process* upsert(Process p);

  // The acting process of an event: found, or created from the actor (and from proc_root when
  // set), so that an event never lacks a process.
  const Process* resolve_actor(const Actor& a, uint64_t ts_ns);
  // The target of an injection event, when its pid is known; reads proc_root on a miss.
  const Process* resolve_pid(int32_t pid);

  // State-keeping events. on_exec replaces exe, argv, comm and memfd flag; on_fork creates the
  // child from the parent; on_exit marks the entry exited (reaped after the grace period).
  void on_fork(const Event& e);
  void on_exec(const Event& e);
  void on_exit(const Event& e);

  // n = 0 is the process itself, 1 its parent... nullptr when the chain ends or is unknown.
  const Process* ancestor(const Process& p, unsigned n) const;
  // Calls f for each ancestor (parent first) until it returns false or the chain ends.
  // Bounded by kMaxAncestry to survive loops in bad input.
  template <class F>
  void for_each_ancestor(const Process& p, F&& f) const {
    const Process* cur = &p;
    for (unsigned i = 0; i < kMaxAncestry; ++i) {
      if (cur->ppid <= 0 || cur->ppid == cur->pid) return;
      cur = find(cur->ppid);
      if (!cur || !f(*cur)) return;
    }
  }
  // Is `ancestor_pid` a strict ancestor of `pid`?
  bool is_ancestor(int32_t ancestor_pid, int32_t pid) const;

  // Drops exited entries older than the grace period and enforces max_entries.
  void reap(uint64_t now_ns);

  std::size_t size() const { return procs_.size(); }
  uint64_t evictions() const { return evictions_; }

  static constexpr unsigned kMaxAncestry = 64;

 private:
  Process* find_mut(int32_t pid);
  Process* load_from_proc(int32_t pid);

  ProcessTableOptions opts_;
  std::unordered_map<int32_t, Process> procs_;
  uint64_t evictions_ = 0;
};

}  // namespace th
