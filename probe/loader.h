// Loads the eBPF probe (probe/tracehound.bpf.c), feeds it the rules' interest, and turns its
// ring-buffer records into th::Event. Every kernel object (BPF object, programs, links, maps, ring
// buffer) belongs to the Probe and is released with it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/event.h"
#include "engine/core/interest.h"
#include "probe/enforce_map.h"
#include "probe/flood_reader.h"
#include "probe/tracehound.h"

namespace th::probe {

// Where the syscall hooks attach (figures in bench/RESULTS.md).
enum class SyscallHooks {
  automatic,     // raw_syscalls when this host can make ia32/x32 syscalls, else per_syscall
  raw_syscalls,  // one program on raw_syscalls:sys_exit: every ABI, runs on every syscall
  per_syscall,   // syscalls:sys_exit_<name> for the watched syscalls only: x86-64 ABI only
};

// In-kernel flood control (probe/flood_control.bpf.h): per (process, kind, request, target,
// outcome), the first `burst` records of each window are sent and the rest counted. 0: never
// aggregate that class. Lifecycle records (fork/exec/exit) are never aggregated. Beyond the
// first `free_per_key` records of a key, an unprivileged user's streams also share a budget per
// window (`uid_*`), so that many processes cannot add up to a flood.
struct FloodControl {
  uint32_t inject_burst = 4096;  // successful ATTACH/SEIZE/writes, process_vm_writev, mem writes
  uint32_t bulk_burst = 1024;    // everything else: TRACEME, reads, failed calls
  uint32_t uid_inject = 16384;
  uint32_t uid_bulk = 8192;
  uint32_t free_per_key = 8;
  uint32_t window_ms = 1000;
};

struct ProbeOptions {
  Interest interest = Interest::everything();
  // The `events` ring (fork/exec/exit and injections), rounded up to a power of two of at least
  // one page; the `bulk` ring (everything else) gets a quarter of it.
  uint32_t ringbuf_bytes = 8u << 20;
  FloodControl flood;
  // The kernel wakes the reader for a lifecycle or bulk record once this many bytes are pending
  // (at most a quarter of the ring), or when its ring's last wakeup is a gap old (wakeup_pacer.h);
  // otherwise the record is committed silently and found by the reader's next look, which
  // busy() says when to take (probe/wakeup.bpf.h). 0: wake for every record. Batching matters
  // under floods: a wakeup costs the traced task ~10x the record.
  uint32_t wakeup_bytes = 64u << 10;
  int32_t ignore_tgid = 0;            // no injection-kind events from this process (tracehound)
  SyscallHooks hooks = SyscallHooks::automatic;
  // Resolve targets with bpf_task_from_vpid()/bpf_task_from_pid() where the kernel has them.
  // false exercises the portable path (tracee list, initial-namespace pids) on any kernel.
  bool task_kfuncs = true;
  // Recognise memory files by their file operations (mem_open's address from /proc/kallsyms).
  // false, or no address readable: by name ("mem" on procfs, for a pid inode).
  bool use_kallsyms = true;
  // Prevention (probe/enforce.bpf.h): off unless mode says otherwise; the entry hooks it needs
  // are loaded only then.
  EnforcementPlan enforcement;
};

// Sends libbpf's messages to spdlog (warnings as warnings, debug output at debug level), for
// the whole process and from then on. Probe::open calls it; idempotent.
void route_libbpf_log();

class Probe {
 public:
  // Loads and attaches the probe (in a short-lived child process, probe/load_child.h). On
  // failure returns null and `error` says which step failed, naming the missing capability when
  // BPF is not permitted.
  static std::unique_ptr<Probe> open(const ProbeOptions& options, std::string& error);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Replaces the interest (live: e.g. on SIGHUP rule reload). False (with `error`) if the map
  // write failed; the previous interest then stays.
  bool set_interest(const Interest& interest, std::string& error);
  // Replaces the kill rules' program, lists and allow list (the mode stays what open() set).
  bool set_enforcement(const EnforcementPlan& plan, std::string& error);
  // Receives each enforcement decision during poll(), before the records of that poll.
  void set_enforcement_handler(std::function<void(const EnforcementRecord&)> handler);
  EnforceMode enforce_mode() const;
  // Decisions the kernel could not report (its enforcement ring was full), since open().
  uint64_t enforcement_records_lost() const;

  // Waits up to `timeout_ms` (0: no wait, -1: forever) for records and hands each as an Event
  // to `on_event` (the same Event object, reused). Returns as soon as some were handled, with
  // their number, or -errno. An exception from `on_event` propagates after its record is
  // consumed.
  int poll(int timeout_ms, const std::function<void(Event&)>& on_event);
  // Records committed without a wakeup are found within look_again_ms() (probe/wakeup_pacer.h:
  // the kernel's gap between wakeups, longer while a heavy stream flows, and a margin).
  int look_again_ms() const;

  // The ring buffer's epoll fd, readable when the kernel wakes the reader. An event loop that
  // waits on it calls poll(0, ...) when it is readable and, while busy(), at least every
  // look_again_ms(); while not busy it may sleep until it has other work: the next record wakes
  // it.
  int fd() const;
  // True when the last poll handled records or holds some back for ordering: records may have
  // been committed silently since, so look again within look_again_ms().
  bool busy() const;

  struct KindStats {
    uint64_t events = 0;    // records the kernel committed
    uint64_t drops = 0;     // records lost because the ring buffer was full
    uint64_t filtered = 0;  // events dropped in the kernel because no rule could match them
    uint64_t held = 0;      // records counted instead of sent by flood control
  };
  struct Stats {
    std::array<KindStats, TH_KIND_COUNT> kinds{};  // indexed by th_kind
    uint64_t bad_records = 0;                      // records the loader could not decode
    uint64_t truncated_records = 0;                // a path, argv or iovec sum cut to fit
    uint64_t wrapped_records = 0;                  // records read across the end of their ring
    std::array<uint64_t, TH_ABI_COUNT> by_abi{};            // decoded records per th_abi
    std::array<uint64_t, TH_RESOLVED_COUNT> resolved_by{};  // injection records per th_resolved_by
  };
  Stats stats() const;

  // Mirrors the kernel counters into Metrics::global():
  // tracehound_kernel_{events,drops,filtered}_total{kind=...}; the loader's own
  // tracehound_probe_{bad,truncated}_records_total are counted as records arrive.
  // poll() does it at most once a second; call it before reading the metrics.
  void publish_metrics() const;
  // The same from a stats() snapshot the caller already holds (one read of the per-CPU maps for
  // every periodic consumer: each read is two map lookups per kind).
  void publish_metrics(const Stats& snapshot) const;

  // The repetitive streams flood control held back since the last call (empty, and cheap, when
  // its counters did not move). The second form judges "moved" from the caller's snapshot.
  std::vector<Flooder> flooders();
  std::vector<Flooder> flooders(const Stats& snapshot);

  // What this probe cannot see on this host, one sentence each (logged at load; `run` raises a
  // WARNING internal alert for each). Today: ia32/x32 syscalls under per-syscall hooks on a
  // host that runs them. Also exported as tracehound_probe_unwatched_syscall_abi{abi}.
  const std::vector<std::string>& blind_spots() const;

  SyscallHooks hooks() const;
  // One line for the log: hooks, how memory files and targets are recognised.
  std::string describe() const;

 private:
  struct Impl;
  explicit Probe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace th::probe
