// Loads the eBPF probe (probe/tracehound.bpf.c), feeds it the rules' interest, and turns its
// ring-buffer records into th::Event. Every kernel object (BPF object, programs, links, maps, ring
// buffer) belongs to the Probe and is released with it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/core/event.h"
#include "engine/core/interest.h"
#include "probe/tracehound.h"

namespace th::probe {

// Where the syscall hooks attach (figures in bench/RESULTS.md).
enum class SyscallHooks {
  automatic,     // raw_syscalls when this host can make ia32/x32 syscalls, else per_syscall
  raw_syscalls,  // one program on raw_syscalls:sys_exit: every ABI, runs on every syscall
  per_syscall,   // syscalls:sys_exit_<name> for the watched syscalls only: x86-64 ABI only
};

struct ProbeOptions {
  Interest interest = Interest::everything();
  uint32_t ringbuf_bytes = 8u << 20;  // rounded up to a power of two of at least one page
  // The kernel wakes the reader once this many bytes are pending (at most a quarter of the
  // ring); below that, poll() finds records on its own within kPollSliceMs. 0: wake for every
  // record. Batching matters under floods: a wakeup costs the traced task ~10x the record.
  uint32_t wakeup_bytes = 64u << 10;
  int32_t ignore_tgid = 0;            // no injection-kind events from this process (tracehound)
  SyscallHooks hooks = SyscallHooks::automatic;
  // Resolve targets with bpf_task_from_vpid()/bpf_task_from_pid() where the kernel has them.
  // false exercises the portable path (tracee list, initial-namespace pids) on any kernel.
  bool task_kfuncs = true;
  // Recognise memory files by their file operations (mem_open's address from /proc/kallsyms).
  // false, or no address readable: by name ("mem" on procfs, for a pid inode).
  bool use_kallsyms = true;
};

// Sends libbpf's messages to spdlog (warnings as warnings, debug output at debug level), for
// the whole process and from then on. Probe::open calls it; idempotent.
void route_libbpf_log();

class Probe {
 public:
  // Loads and attaches the probe. On failure returns null and `error` says which step failed,
  // naming the missing capability when BPF is not permitted.
  static std::unique_ptr<Probe> open(const ProbeOptions& options, std::string& error);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Replaces the interest (live: e.g. on SIGHUP rule reload). False (with `error`) if the map
  // write failed; the previous interest then stays.
  bool set_interest(const Interest& interest, std::string& error);

  // Waits up to `timeout_ms` (0: no wait, -1: forever) for records and hands each as an Event
  // to `on_event` (the same Event object, reused). Returns as soon as some were handled, with
  // their number, or -errno. An exception from `on_event` propagates after its record is
  // consumed. Records committed without a wakeup are found within kPollSliceMs.
  int poll(int timeout_ms, const std::function<void(Event&)>& on_event);
  static constexpr int kPollSliceMs = 20;

  // The ring buffer's epoll fd, readable once wakeup_bytes are pending: an event loop that
  // waits on it must also call poll(0, ...) at least every kPollSliceMs.
  int fd() const;

  struct KindStats {
    uint64_t events = 0;    // records the kernel committed
    uint64_t drops = 0;     // records lost because the ring buffer was full
    uint64_t filtered = 0;  // events dropped in the kernel because no rule could match them
  };
  struct Stats {
    std::array<KindStats, TH_KIND_COUNT> kinds{};  // indexed by th_kind
    uint64_t bad_records = 0;                      // records the loader could not decode
    uint64_t truncated_records = 0;                // a path, argv or iovec sum cut to fit
    std::array<uint64_t, TH_ABI_COUNT> by_abi{};            // decoded records per th_abi
    std::array<uint64_t, TH_RESOLVED_COUNT> resolved_by{};  // injection records per th_resolved_by
  };
  Stats stats() const;

  // Mirrors the kernel counters into Metrics::global():
  // tracehound_kernel_{events,drops,filtered}_total{kind=...}; the loader's own
  // tracehound_probe_{bad,truncated}_records_total are counted as records arrive.
  // poll() does it at most once a second; call it before reading the metrics.
  void publish_metrics() const;

  SyscallHooks hooks() const;
  // One line for the log: hooks, how memory files and targets are recognised.
  std::string describe() const;

 private:
  struct Impl;
  explicit Probe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace th::probe
