#include "engine/proc/process_table.h"

#include <sys/ptrace.h>

#include <fstream>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/metrics/metrics.h"
#include "engine/proc/container_id.h"

namespace th {
namespace {

// clone(2) flags that change what a fork event means.
constexpr uint64_t kCloneParent = 0x00008000;  // the child's parent is the caller's parent
constexpr uint64_t kCloneThread = 0x00010000;  // a thread, not a process
constexpr uint64_t kCloneNewPid = 0x20000000;  // the child is pid 1 of a new pid namespace

// Start times derived from /proc are rounded (btime has whole seconds), so comparisons with
// event times allow this much.
constexpr uint64_t kStartSlackNs = 2'000'000'000;

constexpr std::size_t kCommLen = 15;  // TASK_COMM_LEN - 1

std::string comm_from_exe(std::string_view exe) {
  std::size_t slash = exe.rfind('/');
  if (slash != std::string_view::npos) exe = exe.substr(slash + 1);
  return std::string(exe.substr(0, kCommLen));
}

bool is_memfd_path(std::string_view path) {
  return path.starts_with("memfd:") || path.starts_with("/memfd:");
}

// Does the event's argument pid name its target in the caller's pid namespace? ptrace (but
// PTRACE_TRACEME, whose pid the kernel ignores) and process_vm_*; a memory file's path names a
// pid of the procfs mount, not necessarily of the caller.
bool names_pid_in_callers_namespace(const Event& e) {
  if (e.target_arg_pid <= 0 || e.actor.pidns == 0) return false;
  switch (evt_family(e.type)) {
    case EvtFamily::ptrace: return e.request != PTRACE_TRACEME;
    case EvtFamily::vm_write:
    case EvtFamily::vm_read:
    case EvtFamily::fd_take: return true;  // the pidfd's process, numbered in the caller's namespace
    default: return false;
  }
}

// The actor is what the kernel said at the time of the event: it wins over older knowledge.
void apply_actor(Process& p, const Actor& a) {
  if (a.ppid > 0 && a.ppid != p.pid) p.ppid = a.ppid;
  p.uid = a.uid;
  p.loginuid = a.loginuid;
  if (a.vpid > 0) p.vpid = a.vpid;
  if (a.pidns != 0) p.pidns = a.pidns;
  if (a.cgroup_id != 0) p.cgroup_id = a.cgroup_id;
  if (!a.comm.empty() && a.comm != p.comm) {
    p.comm = a.comm;
    p.refresh_cmdline();
  }
}

}  // namespace

ProcessTable::ProcessTable(ProcessTableOptions opts)
    : opts_(std::move(opts)), reader_(opts_.proc_root), users_(opts_.passwd_path) {
  Metrics& m = opts_.metrics ? *opts_.metrics : Metrics::global();
  evictions_total_ = &m.counter("tracehound_proctable_evictions_total",
                                "Process table entries evicted to stay within max_entries");
  reaped_total_ = &m.counter("tracehound_proctable_reaped_total",
                             "Exited processes dropped from the process table after the grace period");
  entries_gauge_ = &m.gauge("tracehound_proctable_entries", "Entries in the process table");
}

std::size_t ProcessTable::bootstrap() {
  if (!reader_.enabled()) return 0;
  std::vector<int32_t> pids = reader_.list_pids();
  if (pids.empty()) {
    // A mistyped or unmounted proc root (a sidecar without /host/proc) would otherwise go unseen.
    spdlog::warn("process table: no processes found in '{}'; ancestry of processes started "
                 "before tracehound will be unknown",
                 reader_.root());
  }
  std::size_t loaded = 0;
  // Highest pid first, so that low pids (init, daemons: everyone's ancestors) end up the most
  // recently seen and are the last to be evicted when /proc holds more than max_entries.
  for (auto it = pids.rbegin(); it != pids.rend(); ++it) {
    Process p;
    if (!reader_.read(*it, p) || p.pid != *it) continue;  // vanished, or not a thread group
    Entry& e = put(std::move(p));
    reindex(e);
    ++loaded;
  }
  enforce_bound();
  update_gauge();
  return loaded;
}

const Process* ProcessTable::find(int32_t pid) const {
  auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : &it->second.proc;
}

Process* ProcessTable::find_mut(int32_t pid) {
  Entry* e = find_entry(pid);
  return e ? &e->proc : nullptr;
}

ProcessTable::Entry* ProcessTable::find_entry(int32_t pid) {
  auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : &it->second;
}

const Process* ProcessTable::find_by_vpid(uint64_t pidns, int32_t vpid) const {
  if (pidns == 0 || vpid <= 0) return nullptr;
  auto it = by_vpid_.find(VpidKey{pidns, vpid});
  if (it == by_vpid_.end()) return nullptr;
  const Process* p = find(it->second);
  return p && p->pidns == pidns && p->vpid == vpid ? p : nullptr;
}

const Process* ProcessTable::upsert(Process p) {
  if (p.pid < 0) return nullptr;
  bool exited = p.exited;
  Entry& e = put(std::move(p));
  if (exited) mark_exited(e, last_ts_);
  reindex(e);
  return &e.proc;
}

const Process* ProcessTable::resolve_actor(const Actor& a, uint64_t ts_ns) {
  if (a.pid < 0) return nullptr;
  note_time(ts_ns);
  Entry* e = find_entry(a.pid);
  // Activity after the exit we saw: the pid was reused by a process whose fork we missed.
  if (e && e->proc.exited && ts_ns > e->exit_ns) e = nullptr;
  if (e) {
    const uint64_t cgroup_before = e->proc.cgroup_id;
    apply_actor(e->proc, a);
    // A new cgroup means a new container id (runc forks a container's first process on the host,
    // then moves it). An entry read from /proc has no cgroup id yet (0): the first one an event
    // brings counts as new too, since the /proc read may predate the move.
    if (a.cgroup_id != 0 && a.cgroup_id != cgroup_before) refresh_container(e->proc);
    touch(*e);
  } else {
    Process p;
    bool from_proc = reader_.read(a.pid, p) && p.pid == a.pid &&
                     // a process cannot start after its own event: else the pid was reused
                     (ts_ns == 0 || p.start_ns == 0 || p.start_ns <= ts_ns + kStartSlackNs);
    if (!from_proc) {
      p = Process{};
      p.pid = a.pid;
      p.container_id = std::string(kHostContainerId);
    }
    e = &put(std::move(p));
    apply_actor(e->proc, a);
    // Gone before it could be read (a short-lived process): its cgroup may be known already.
    if (e->proc.container_full_id.empty() && a.cgroup_id > 1) {
      if (const ContainerId* c = containers_.by_cgroup(a.cgroup_id)) set_container(e->proc, *c);
    }
    e->proc.refresh_cmdline();
  }
  reindex(*e);
  return &e->proc;
}

const Process* ProcessTable::resolve_pid(int32_t pid) {
  if (pid <= 0) return nullptr;
  if (Entry* e = find_entry(pid)) {
    touch(*e);
    return &e->proc;
  }
  return load_from_proc(pid);
}

const Process* ProcessTable::resolve_target(Event& e) {
  if (!evt_has_target(e.type)) return nullptr;
  if (e.target_pid > 0) return resolve_pid(e.target_pid);
  if (!names_pid_in_callers_namespace(e)) return nullptr;
  const Process* p = find_by_vpid(e.actor.pidns, e.target_arg_pid);
  if (!p || p->exited) return nullptr;  // an exited entry's pid may name a newer process now
  e.target_pid = p->pid;
  if (e.target_tid <= 0) e.target_tid = p->pid;
  touch(*find_entry(p->pid));
  return p;
}

Process* ProcessTable::load_from_proc(int32_t pid) {
  Process p;
  if (!reader_.read(pid, p)) return nullptr;
  if (p.pid != pid) {
    // pid names a thread: the entry is its thread group's.
    if (Entry* g = find_entry(p.pid)) {
      touch(*g);
      return &g->proc;
    }
    Process leader;
    if (reader_.read(p.pid, leader) && leader.pid == p.pid) p = std::move(leader);
  }
  Entry& e = put(std::move(p));
  reindex(e);
  return &e.proc;
}

void ProcessTable::set_container(Process& p, const ContainerId& c) {
  p.container_full_id = c.full;
  p.container_id = c.short_id;
}

void ProcessTable::refresh_container(Process& p) {
  if (p.cgroup_id > 1) {
    if (const ContainerId* c = containers_.by_cgroup(p.cgroup_id)) {
      set_container(p, *c);
      return;
    }
  }
  std::optional<ContainerId> cid = reader_.read_container(p.pid);
  if (!cid) return;  // gone, or no /proc (replay): keep what we knew
  set_container(p, *cid);
  containers_.remember(p.cgroup_id, *cid);
}

void ProcessTable::on_fork(const Event& e) {
  const Process* parent = resolve_actor(e.actor, e.ts_ns);
  if (!parent || e.res < 0) return;
  const int32_t child = e.child_pid;
  if (child <= 0 || child == e.actor.pid || (e.clone_flags & kCloneThread)) return;

  Process c = *parent;  // exe, argv, comm, uid, loginuid, tty, container, pidns...
  c.pid = child;
  c.ppid = (e.clone_flags & kCloneParent) && parent->ppid > 0 ? parent->ppid : parent->pid;
  c.exited = false;
  c.start_ns = e.ts_ns;
  if (e.clone_flags & kCloneNewPid) {
    c.vpid = 1;
    c.pidns = 0;  // a new namespace: its inode is learnt when the child acts
  } else if (parent->vpid == parent->pid) {
    c.vpid = child;  // the host namespace (or one that numbers alike)
  } else {
    c.vpid = 0;  // unknown until the child acts
  }

  Entry* existing = find_entry(child);
  bool stale = existing && (existing->proc.exited ||
                            (existing->proc.start_ns != 0 &&
                             existing->proc.start_ns + kStartSlackNs < e.ts_ns));
  if (existing && !stale) {
    // The child acted before its fork was seen: keep what it told us, inherit the rest.
    Process& x = existing->proc;
    if (x.ppid <= 0) x.ppid = c.ppid;
    if (x.exepath.empty() && x.argv.empty()) {
      x.exepath = c.exepath;
      x.argv = c.argv;
      x.exe_from_memfd = c.exe_from_memfd;
      x.exe_identity_known = c.exe_identity_known;
      x.exe_dev = c.exe_dev;
      x.exe_ino = c.exe_ino;
      x.env_injection = c.env_injection;
    }
    if (x.comm.empty()) x.comm = c.comm;
    if (x.container_full_id.empty() && !c.container_full_id.empty()) {
      x.container_full_id = c.container_full_id;
      x.container_id = c.container_id;
    }
    if (x.container_id.empty()) x.container_id = c.container_id;
    if (x.start_ns == 0) x.start_ns = c.start_ns;
    if (x.tty == 0) x.tty = c.tty;
    if (x.loginuid == kNoUid) x.loginuid = c.loginuid;
    if (x.pidns == 0) x.pidns = c.pidns;
    if (x.vpid == 0) x.vpid = c.vpid;
    x.refresh_cmdline();
    touch(*existing);
    reindex(*existing);
    return;
  }
  Entry& en = put(std::move(c));
  reindex(en);
}

void ProcessTable::on_exec(const Event& e) {
  resolve_actor(e.actor, e.ts_ns);
  if (e.res < 0) return;  // a failed exec changes nothing
  Entry* en = find_entry(e.actor.pid);
  if (!en) return;
  Process& p = en->proc;
  // A container's first process is forked on the host and joins the container before this
  // exec. The kernel says which cgroup it is in now: that names the container, even when the
  // process is gone before /proc could be read.
  if (!e.cgroup.empty()) {
    ContainerId cid = make_container_id(container_id_from_cgroup_path(e.cgroup));
    set_container(p, cid);
    containers_.remember(e.actor.cgroup_id, cid);
  } else if (reader_.enabled() && (e.actor.cgroup_id <= 1 || p.container_full_id.empty())) {
    // Without it (older producers), a process seen as on the host may have been read mid-move.
    refresh_container(p);
  }
  if (!e.exepath.empty()) {
    p.exepath = e.exepath;
  } else if (!e.argv.empty()) {
    p.exepath = e.argv[0];
  }
  p.argv = e.argv;
  p.exe_from_memfd = e.exe_from_memfd || is_memfd_path(p.exepath);
  p.exe_identity_known = e.exe_identity_known;
  p.exe_dev = e.exe_dev;
  p.exe_ino = e.exe_ino;
  p.env_injection = e.env_injection;
  if (!e.actor.comm.empty()) {
    p.comm = e.actor.comm;
  } else if (!p.exepath.empty()) {
    p.comm = comm_from_exe(p.exepath);
  }
  p.refresh_cmdline();
}

void ProcessTable::on_exit(const Event& e) {
  note_time(e.ts_ns);
  // procexit means the whole thread group is gone (the probe reports the last thread to leave,
  // which need not be the leader), so the tid does not matter here.
  Entry* en = find_entry(e.actor.pid);
  if (!en || en->proc.exited) return;
  mark_exited(*en, e.ts_ns);
}

const Process* ProcessTable::ancestor(const Process& p, unsigned n) const {
  if (n == 0) return &p;
  const Process* out = nullptr;
  unsigned depth = 0;
  for_each_ancestor(p, [&](const Process& a) {
    if (++depth < n) return true;
    out = &a;
    return false;
  });
  return out;
}

bool ProcessTable::is_ancestor(int32_t ancestor_pid, int32_t pid) const {
  if (ancestor_pid <= 0 || ancestor_pid == pid) return false;  // strict, even in a loop
  const Process* cur = find(pid);
  if (!cur) return false;
  int32_t seen[kMaxAncestry + 1];
  unsigned n_seen = 0;
  seen[n_seen++] = cur->pid;
  for (unsigned i = 0; i < kMaxAncestry; ++i) {
    const int32_t pp = cur->ppid;
    if (pp <= 0 || pp == cur->pid) return false;
    // The parent's pid is known even when its entry is not.
    if (pp == ancestor_pid) return true;
    if (std::find(seen, seen + n_seen, pp) != seen + n_seen) return false;  // a loop
    cur = find(pp);
    if (!cur) return false;
    seen[n_seen++] = pp;
  }
  return false;
}

void ProcessTable::reap(uint64_t now_ns) {
  while (!exited_.empty()) {
    const Entry& e = procs_.at(exited_.front());
    if (now_ns < e.exit_ns || now_ns - e.exit_ns < opts_.exited_grace_ns) break;
    erase(exited_.front());
    reaped_total_->inc();
  }
  enforce_bound();
  update_gauge();
}

ProcessTable::Entry& ProcessTable::put(Process p) {
  const int32_t pid = p.pid;
  auto [it, inserted] = procs_.try_emplace(pid);
  Entry& e = it->second;
  if (inserted) {
    e.order = live_lru_.insert(live_lru_.end(), pid);
  } else {
    revive(e);
    touch(e);
  }
  e.proc = std::move(p);
  e.proc.exited = false;
  e.exit_ns = 0;
  update_gauge();
  return e;
}

void ProcessTable::touch(Entry& e) {
  if (!e.proc.exited) live_lru_.splice(live_lru_.end(), live_lru_, e.order);
}

void ProcessTable::mark_exited(Entry& e, uint64_t exit_ns) {
  if (e.proc.exited) return;
  live_lru_.erase(e.order);
  // Keep exited_ sorted by exit time; exits mostly arrive in order, so this scan is short.
  auto pos = exited_.end();
  while (pos != exited_.begin()) {
    auto prev = std::prev(pos);
    if (procs_.at(*prev).exit_ns <= exit_ns) break;
    pos = prev;
  }
  e.order = exited_.insert(pos, e.proc.pid);
  e.proc.exited = true;
  e.exit_ns = exit_ns;
}

void ProcessTable::revive(Entry& e) {
  if (!e.proc.exited) return;
  exited_.erase(e.order);
  e.order = live_lru_.insert(live_lru_.end(), e.proc.pid);
  e.proc.exited = false;
  e.exit_ns = 0;
}

void ProcessTable::reindex(Entry& e) {
  const int32_t pid = e.proc.pid;
  const VpidKey now{e.proc.pidns, e.proc.vpid};
  const VpidKey old{e.vpid_ns, e.vpid_key};
  if (old.pidns != 0 && !(old == now)) {
    auto it = by_vpid_.find(old);
    if (it != by_vpid_.end() && it->second == pid) by_vpid_.erase(it);
    e.vpid_ns = 0;
    e.vpid_key = 0;
  }
  if (now.pidns == 0 || now.vpid <= 0) return;
  auto [it, inserted] = by_vpid_.try_emplace(now, pid);
  // Two entries may claim one (pidns, vpid) when a pid was reused: the live one wins.
  if (!inserted && it->second != pid && !e.proc.exited) it->second = pid;
  e.vpid_ns = now.pidns;
  e.vpid_key = now.vpid;
}

void ProcessTable::erase(int32_t pid) {
  auto it = procs_.find(pid);
  if (it == procs_.end()) return;
  Entry& e = it->second;
  (e.proc.exited ? exited_ : live_lru_).erase(e.order);
  if (e.vpid_ns != 0) {
    auto v = by_vpid_.find(VpidKey{e.vpid_ns, e.vpid_key});
    if (v != by_vpid_.end() && v->second == pid) by_vpid_.erase(v);
  }
  procs_.erase(it);
}

void ProcessTable::enforce_bound() {
  if (opts_.max_entries == 0) return;  // unbounded
  while (procs_.size() > opts_.max_entries) {
    const int32_t victim = !exited_.empty() ? exited_.front() : live_lru_.front();
    erase(victim);
    ++evictions_;
    evictions_total_->inc();
  }
  update_gauge();
}

void ProcessTable::note_time(uint64_t ts_ns) { last_ts_ = std::max(last_ts_, ts_ns); }

void ProcessTable::update_gauge() { entries_gauge_->set(static_cast<double>(procs_.size())); }

}  // namespace th
