#include "probe/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "engine/metrics/metrics.h"
#include "probe/host_checks.h"
#include "probe/interest_map.h"
#include "probe/kernel_counts.h"
#include "probe/kallsyms.h"
#include "probe/libbpf_log.h"
#include "probe/load_child.h"
#include "probe/record_decoder.h"
#include "probe/record_merge.h"
#include "probe/ring_reader.h"
#include "probe/wakeup_pacer.h"
#include "tracehound.skel.h"

namespace th::probe {
namespace {

struct SkeletonDeleter {
  void operator()(tracehound_bpf* s) const { tracehound_bpf__destroy(s); }
};
using SkeletonPtr = std::unique_ptr<tracehound_bpf, SkeletonDeleter>;

uint32_t ring_size(uint32_t requested) {
  uint32_t size = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  while (size < requested && size < (1u << 30)) size <<= 1;
  return size;
}

// Per-syscall tracepoints never fire for ia32/x32 syscalls on x86: the kernel defines
// ARCH_TRACE_IGNORE_COMPAT_SYSCALLS there, and trace_get_syscall_nr() (kernel/trace/
// trace_syscalls.c) returns -1 for them.
std::vector<std::string> unwatched_abis(const CompatSyscalls& compat) {
  std::vector<std::string> gaps;
  auto gap = [&](const char* abi, const char* how) {
    gaps.push_back(std::string(abi) + " system calls (" + how +
                   ") work on this host but are NOT watched: per-syscall hooks never see them, so "
                   "ptrace, process_vm_writev and memory-file opens and writes made that way go unseen; use "
                   "syscall_hooks: automatic or raw_syscalls, or boot with ia32_emulation=0");
  };
  if (compat.ia32) gap("32-bit (ia32)", "int 0x80, sysenter, also from 64-bit code");
  if (compat.x32) gap("x32", "syscall numbers with bit 30 set");
  return gaps;
}

const char* hooks_name(SyscallHooks h) {
  switch (h) {
    case SyscallHooks::raw_syscalls: return "raw_syscalls";
    case SyscallHooks::per_syscall: return "per-syscall tracepoints";
    case SyscallHooks::automatic: break;
  }
  return "automatic";
}

uint64_t steady_now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

struct Probe::Impl {
  SkeletonPtr skel;  // maps only: the programs were loaded by the loader process
  std::vector<UniqueFd> links;  // keep the programs attached
  // `events`, `bulk`, then `enforce_events`: consumed in that order. Declared after `skel`:
  // unmapped before the maps close.
  RingReader ring;
  FloodReader flood_reader;
  uint64_t flood_seen = 0;  // held + drops totals at the last flood map read
  SyscallHooks hooks = SyscallHooks::raw_syscalls;
  std::string description;
  std::vector<std::string> blind_spots;

  // poll() state
  const std::function<void(Event&)>* on_event = nullptr;
  std::exception_ptr callback_error;
  Event event;
  int64_t boot_to_epoch_ns = 0;
  int handled = 0;
  Stats user_stats;  // the loader's own counts (bad_records, by_abi, resolved_by)
  std::chrono::steady_clock::time_point last_publish{};

  struct KindMetrics {
    Counter* events;
    Counter* drops;
    Counter* filtered;
    Counter* held;
  };
  std::array<KindMetrics, TH_KIND_COUNT> metrics{};
  Counter* bad_records_metric = nullptr;
  Counter* truncated_records_metric = nullptr;
  std::mutex publish_mu;
  std::array<KindStats, TH_KIND_COUNT> published{};  // kernel counters already in the metrics

  RecordMerge merge;  // records read from both rings, handed out in time order
  WakeupPacer pacer;
  // The gap the kernel uses: its default (wakeup_gap unwritten) is the base gap.
  uint64_t kernel_gap_ns = WakeupPacer::kBaseGapNs;

  // Tells the kernel the pacer's gap after a look that took `records` records (a map write
  // only when the gap changes: at the start and end of a heavy stream).
  void pace(std::size_t records) {
    uint64_t gap = pacer.after_look(records, steady_now_ns());
    if (gap == kernel_gap_ns) return;
    uint32_t zero = 0;
    if (bpf_map__update_elem(skel->maps.wakeup_gap, &zero, sizeof(zero), &gap, sizeof(gap), 0) == 0)
      kernel_gap_ns = gap;
  }

  EnforceMode enforce_mode = EnforceMode::off;
  uint64_t enforce_lost_published = 0;
  std::function<void(const EnforcementRecord&)> on_enforcement;
  EnforcementRecord enforcement;

  // Enforcement decisions are handed out as they are read: nothing orders them after other
  // records, and the alert of a kill must not wait.
  static int on_enforce_sample(void* ctx, const void* data, size_t size) {
    auto* self = static_cast<Impl*>(ctx);
    std::span<const std::byte> record(static_cast<const std::byte*>(data), size);
    if (!decode_enforcement(record, self->boot_to_epoch_ns, self->enforcement)) {
      ++self->user_stats.bad_records;
      self->bad_records_metric->inc();
      return 0;
    }
    ++self->handled;
    if (!self->on_enforcement) return 0;
    try {
      self->on_enforcement(self->enforcement);
    } catch (...) {
      if (!self->callback_error) self->callback_error = std::current_exception();
    }
    return 0;
  }

  static int on_sample(void* ctx, const void* data, size_t size) {
    static_cast<Impl*>(ctx)->merge.add(data, size);
    return 0;
  }

  void deliver(std::span<const std::byte> record) {
    RecordInfo info;
    if (!decode_record(record, boot_to_epoch_ns, event, info)) {
      ++user_stats.bad_records;
      bad_records_metric->inc();
      return;
    }
    ++user_stats.by_abi[info.abi];
    if (info.truncated) {
      ++user_stats.truncated_records;
      truncated_records_metric->inc();
    }
    if (evt_has_target(event.type)) ++user_stats.resolved_by[info.resolved_by];
    (*on_event)(event);
    ++handled;
  }

  // Reads both rings and hands out what is ready; again at once while records wait for the
  // watermark (a few, committed during the read). Stops at an exception from on_event (the
  // record that threw is consumed, the others stay for the next poll).
  int drain() {
    for (int pass = 0; pass < 4; ++pass) {
      uint64_t watermark = boot_now_ns();
      int rc = ring.consume();
      if (rc < 0) return rc;
      try {
        merge.release(watermark, [this](std::span<const std::byte> r) { deliver(r); });
      } catch (...) {
        callback_error = std::current_exception();
        return 0;
      }
      if (merge.empty()) break;
    }
    return 0;
  }
};

Probe::Probe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Probe::~Probe() = default;

namespace {

// Everything open() decides before touching the kernel.
struct LoadPlan {
  SyscallHooks hooks;
  std::vector<uint64_t> mem_open_fns;
  bool task_kfuncs;
  std::string hooks_reason;
  bool io_uring = false;  // the kernel has io_uring: watch its requests (io_uring.bpf.h)
};

bool set_enforcement_maps(tracehound_bpf* skel, const EnforcementPlan& plan, std::string& error) {
  auto fail = [&](const char* what) {
    error = std::string("cannot write the probe's ") + what + ": " + std::strerror(errno);
    return false;
  };
  uint32_t zero = 0;
  th_enforce_config off{};  // nothing is evaluated while the maps change
  if (bpf_map__update_elem(skel->maps.enforce_config, &zero, sizeof(zero), &off, sizeof(off), 0))
    return fail("enforcement configuration");
  th_interest in = encode_interest(plan.interest);
  if (bpf_map__update_elem(skel->maps.enforce_interest, &zero, sizeof(zero), &in, sizeof(in), 0))
    return fail("enforcement interest");
  for (uint32_t i = 0; i < plan.insns.size(); ++i)
    if (bpf_map__update_elem(skel->maps.enforce_prog, &i, sizeof(i), &plan.insns[i],
                             sizeof(th_enforce_insn), 0))
      return fail("enforcement program");
  // Lists: replace the whole map (stale identities would keep their old bits otherwise).
  for (auto* map : {skel->maps.enforce_exes, skel->maps.enforce_allow_uids}) {
    std::vector<std::byte> key(bpf_map__key_size(map)), next(key.size());
    while (bpf_map__get_next_key(map, nullptr, next.data(), next.size()) == 0)
      if (bpf_map__delete_elem(map, next.data(), next.size(), 0) != 0) break;
  }
  for (const auto& [k, sets] : plan.exes)
    if (bpf_map__update_elem(skel->maps.enforce_exes, &k, sizeof(k), &sets, sizeof(sets), 0))
      return fail("enforcement executable lists");
  for (uint32_t uid : plan.allow_uids) {
    uint8_t one = 1;
    if (bpf_map__update_elem(skel->maps.enforce_allow_uids, &uid, sizeof(uid), &one, 1, 0))
      return fail("enforcement allow list");
  }
  th_enforce_config on{static_cast<uint32_t>(plan.insns.size()), plan.kills_per_second};
  if (bpf_map__update_elem(skel->maps.enforce_config, &zero, sizeof(zero), &on, sizeof(on), 0))
    return fail("enforcement configuration");
  return true;
}

bool set_interest_map(tracehound_bpf* skel, const Interest& interest, std::string& error) {
  th_interest value = encode_interest(interest);
  uint32_t key = 0;
  if (bpf_map__update_elem(skel->maps.interest, &key, sizeof(key), &value, sizeof(value), 0) != 0) {
    error = std::string("cannot write the probe's interest map: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// The constants and sizes of one opened skeleton, and which programs it loads.
void configure(tracehound_bpf* skel, const ProbeOptions& options, const LoadPlan& plan) {
  skel->rodata->ignore_tgid = options.ignore_tgid;
  skel->rodata->use_task_kfuncs = plan.task_kfuncs;
  for (std::size_t i = 0; i < plan.mem_open_fns.size() && i < TH_MEM_OPEN_FNS; ++i)
    skel->rodata->mem_open_fns[i] = plan.mem_open_fns[i];
  const uint32_t ring = ring_size(options.ringbuf_bytes);
  const uint32_t bulk = ring_size(ring / 4);
  bpf_map__set_max_entries(skel->maps.events, ring);
  bpf_map__set_max_entries(skel->maps.bulk, bulk);
  skel->rodata->wakeup_bytes = std::min(options.wakeup_bytes, bulk / 4);
  skel->rodata->wakeup_gap_ns = WakeupPacer::kBaseGapNs;
  skel->rodata->lifecycle_limit_bytes = ring - ring / 4;
  skel->rodata->flood_burst[TH_CLASS_LIFECYCLE] = 0;
  skel->rodata->flood_burst[TH_CLASS_INJECT] = options.flood.inject_burst;
  skel->rodata->flood_burst[TH_CLASS_BULK] = options.flood.bulk_burst;
  skel->rodata->uid_burst[TH_CLASS_LIFECYCLE] = 0;
  skel->rodata->uid_burst[TH_CLASS_INJECT] = options.flood.uid_inject;
  skel->rodata->uid_burst[TH_CLASS_BULK] = options.flood.uid_bulk;
  skel->rodata->flood_free = options.flood.free_per_key;
  skel->rodata->flood_window_ns = uint64_t{options.flood.window_ms} * 1'000'000u;
  const bool enforcing = options.enforcement.mode != EnforceMode::off;
  skel->rodata->enforce_mode = static_cast<uint8_t>(options.enforcement.mode);

  bool raw = plan.hooks == SyscallHooks::raw_syscalls;
  bpf_program__set_autoload(skel->progs.th_sys_exit, raw);
  bpf_program__set_autoload(skel->progs.th_sys_enter, raw);
  for (bpf_program* p : {skel->progs.th_exit_ptrace, skel->progs.th_exit_process_vm_readv,
                         skel->progs.th_exit_process_vm_writev, skel->progs.th_exit_open,
                         skel->progs.th_exit_openat, skel->progs.th_exit_openat2,
                         skel->progs.th_exit_write, skel->progs.th_exit_pwrite64,
                         skel->progs.th_exit_writev, skel->progs.th_exit_pwritev,
                         skel->progs.th_exit_pwritev2, skel->progs.th_exit_pidfd_getfd,
                         skel->progs.th_enter_write,
                         skel->progs.th_enter_pwrite64, skel->progs.th_enter_writev,
                         skel->progs.th_enter_pwritev, skel->progs.th_enter_pwritev2})
    bpf_program__set_autoload(p, !raw);
  for (bpf_program* p : {skel->progs.th_enforce_enter_ptrace,
                         skel->progs.th_enforce_enter_process_vm_writev})
    bpf_program__set_autoload(p, !raw && enforcing);
  for (bpf_program* p : {skel->progs.th_iou_submit, skel->progs.th_iou_file_get,
                         skel->progs.th_iou_async, skel->progs.th_iou_complete})
    bpf_program__set_autoload(p, plan.io_uring);
}

// Sends the fds of the loaded skeleton's maps and links to the detector.
bool send_objects(tracehound_bpf* skel, LoaderChannel& channel) {
  LoaderChannel::Fds maps, links;
  bpf_map* map;
  bpf_object__for_each_map(map, skel->obj) {
    if (bpf_map__fd(map) >= 0) maps.emplace_back(bpf_map__name(map), bpf_map__fd(map));
  }
  const bpf_object_skeleton* s = skel->skeleton;
  for (int i = 0; i < s->prog_cnt; ++i)
    if (bpf_link* link = *s->progs[i].link) links.emplace_back(s->progs[i].name, bpf_link__fd(link));
  return channel.send_maps(maps) && channel.send_links(links);
}

// In the loader process (probe/load_child.h): opens, configures, loads and attaches one
// skeleton, then sends the fds of its maps and links. The error text of a failure, else empty.
// `log`: libbpf's warnings so far.
std::string load_and_attach(const ProbeOptions& options, const LoadPlan& plan, const std::string& log,
                            LoaderChannel& channel) {
  SkeletonPtr skel(tracehound_bpf__open());
  if (!skel) return std::string("cannot open the BPF object: ") + std::strerror(errno);
  configure(skel.get(), options, plan);
  std::string error;
  if (int err = tracehound_bpf__load(skel.get()); err != 0) {
    if (err == -EPERM || err == -EACCES) {
      std::string caps = missing_bpf_capabilities();
      if (!caps.empty()) return caps;
    }
    error = "the kernel refused the probe (" + std::string(std::strerror(-err)) + ")";
    if (!log.empty()) error += ": " + log_tail(log);
    return error;
  }
  if (!set_interest_map(skel.get(), options.interest, error)) return error;
  const bool enforcing = options.enforcement.mode != EnforceMode::off;
  if (enforcing && !set_enforcement_maps(skel.get(), options.enforcement, error)) return error;
  if (int err = tracehound_bpf__attach(skel.get()); err != 0) {
    error = "cannot attach the probe's programs (" + std::string(std::strerror(-err)) + ")";
    if (!log.empty()) error += ": " + log_tail(log);
    return error;
  }
  if (!send_objects(skel.get(), channel))
    return std::string("cannot hand the loaded probe over: ") + std::strerror(errno);
  // Never destroyed here: destroying a perf-event link disables its event for the detector too.
  (void)skel.release();
  return {};
}

// The detector's side: the BPF object opened (its ELF only) with the loader process's maps.
SkeletonPtr adopt_maps(std::vector<NamedFd>& received, std::string& error) {
  SkeletonPtr skel(tracehound_bpf__open());
  if (!skel) {
    error = std::string("cannot open the BPF object: ") + std::strerror(errno);
    return nullptr;
  }
  bpf_map* map;
  bpf_object__for_each_map(map, skel->obj) {
    const std::string name = bpf_map__name(map);  // reuse_fd renames the map
    auto it = std::find_if(received.begin(), received.end(), [&](const NamedFd& m) { return m.name == name; });
    if (it == received.end()) {
      error = "the probe loader process sent no map '" + name + "'";
      return nullptr;
    }
    // Dups the fd (the received one closes with `received`).
    if (int err = bpf_map__reuse_fd(map, it->fd.get()); err != 0) {
      error = "cannot take over the probe's map '" + name + "': " + std::strerror(-err);
      return nullptr;
    }
  }
  return skel;
}

// Loads and attaches the probe in a loader process (probe/load_child.h) and takes over its maps
// and links. Null and `error` on failure.
SkeletonPtr load_skeleton(const ProbeOptions& options, const LoadPlan& plan,
                          std::vector<UniqueFd>& links, std::string& error) {
  std::string log;
  LibbpfLogCapture capture(log);
  LoaderReply reply = load_in_child([&](LoaderChannel& channel, const std::string& warnings) {
    return load_and_attach(options, plan, warnings, channel);
  });
  if (!reply.error.empty()) {
    error = reply.error;
    return nullptr;
  }
  SkeletonPtr skel = adopt_maps(reply.maps, error);
  if (!skel) return nullptr;
  links.clear();
  for (NamedFd& link : reply.links) links.push_back(std::move(link.fd));
  return skel;
}

}  // namespace

std::unique_ptr<Probe> Probe::open(const ProbeOptions& options, std::string& error) {
  if (std::string caps = missing_bpf_capabilities(); !caps.empty()) {
    error = caps;
    return nullptr;
  }
  LoadPlan plan{options.hooks, {}, options.task_kfuncs, "requested"};
  plan.io_uring = io_uring_built_in();
  if (options.use_kallsyms) plan.mem_open_fns = kallsyms_lookup("mem_open");
  if (plan.mem_open_fns.size() > TH_MEM_OPEN_FNS) plan.mem_open_fns.clear();  // ambiguous: by name
  CompatSyscalls compat;
  if (plan.hooks != SyscallHooks::raw_syscalls) compat = probe_compat_syscalls();
  if (plan.hooks == SyscallHooks::automatic) {
    plan.hooks = compat.any() ? SyscallHooks::raw_syscalls : SyscallHooks::per_syscall;
    plan.hooks_reason = compat.any() ? "this host runs ia32/x32 syscalls" : "no ia32/x32 syscalls here";
  }
  if (plan.hooks == SyscallHooks::per_syscall && !tracefs_mounted()) {
    error = tracefs_missing_error();
    return nullptr;
  }

  std::vector<UniqueFd> links;
  SkeletonPtr skel = load_skeleton(options, plan, links, error);
  if (!skel && plan.hooks == SyscallHooks::per_syscall && plan.task_kfuncs) {
    // Kernels that have the task kfuncs but do not let tracepoint programs call them.
    std::string first_error = error;
    plan.task_kfuncs = false;
    skel = load_skeleton(options, plan, links, error);
    if (!skel) error = first_error;
  }
  if (!skel) return nullptr;

  auto impl = std::make_unique<Impl>();
  impl->hooks = plan.hooks;
  if (plan.hooks == SyscallHooks::per_syscall) impl->blind_spots = unwatched_abis(compat);
  if (!impl->ring.add(bpf_map__fd(skel->maps.events), &Impl::on_sample, impl.get(), error) ||
      !impl->ring.add(bpf_map__fd(skel->maps.bulk), &Impl::on_sample, impl.get(), error) ||
      !impl->ring.add(bpf_map__fd(skel->maps.enforce_events), &Impl::on_enforce_sample, impl.get(),
                      error))
    return nullptr;
  impl->enforce_mode = options.enforcement.mode;
  impl->skel = std::move(skel);
  impl->links = std::move(links);
  impl->description = std::string("syscall hooks: ") + hooks_name(plan.hooks) + " (" +
                      plan.hooks_reason + "); memory files by " +
                      (plan.mem_open_fns.empty() ? "name (no kallsyms address for mem_open)"
                                                 : "file operations") +
                      "; targets by " +
                      (plan.task_kfuncs ? "task kfuncs where the kernel has them, else "
                                        : "") +
                      "tracee list and initial-namespace pids" +
                      (plan.io_uring ? "; io_uring requests watched" : "; no io_uring in this kernel");

  Metrics& m = Metrics::global();
  for (int k = 0; k < TH_KIND_COUNT; ++k) {
    Labels labels{{"kind", std::string(kind_name(static_cast<th_kind>(k)))}};
    impl->metrics[k] = {
        &m.counter("tracehound_kernel_events_total", "Records the probe committed to the ring buffer", labels),
        &m.counter("tracehound_kernel_drops_total", "Records lost in the kernel because the ring buffer was full", labels),
        &m.counter("tracehound_kernel_filtered_total", "Events dropped in the kernel because no rule could match them", labels),
        &m.counter("tracehound_kernel_held_total", "Repetitive records counted in the kernel instead of sent (flood control)", labels)};
  }
  impl->bad_records_metric = &m.counter("tracehound_probe_bad_records_total",
                                        "Ring-buffer records the loader could not decode");
  for (auto [abi, unwatched] : {std::pair{"ia32", plan.hooks == SyscallHooks::per_syscall && compat.ia32},
                                std::pair{"x32", plan.hooks == SyscallHooks::per_syscall && compat.x32}})
    m.gauge("tracehound_probe_unwatched_syscall_abi",
            "1 when syscalls of this ABI work on this host but the probe does not see them",
            {{"abi", abi}})
        .set(unwatched ? 1 : 0);
  for (const auto& gap : impl->blind_spots) spdlog::warn("probe: {}", gap);
  impl->truncated_records_metric = &m.counter(
      "tracehound_probe_truncated_records_total",
      "Records with a path, argv or iovec sum cut to fit (the event carries the part kept)");
  return std::unique_ptr<Probe>(new Probe(std::move(impl)));
}

bool Probe::set_interest(const Interest& interest, std::string& error) {
  return set_interest_map(impl_->skel.get(), interest, error);
}

bool Probe::set_enforcement(const EnforcementPlan& plan, std::string& error) {
  if (impl_->enforce_mode == EnforceMode::off) return true;
  return set_enforcement_maps(impl_->skel.get(), plan, error);
}

void Probe::set_enforcement_handler(std::function<void(const EnforcementRecord&)> handler) {
  impl_->on_enforcement = std::move(handler);
}

EnforceMode Probe::enforce_mode() const { return impl_->enforce_mode; }

uint64_t Probe::enforcement_records_lost() const {
  uint32_t zero = 0;
  struct {
    uint64_t window_start_ns, kills, lost;
  } budget{};
  if (bpf_map__lookup_elem(impl_->skel->maps.enforce_budget, &zero, sizeof(zero), &budget,
                           sizeof(budget), 0) != 0)
    return 0;
  return budget.lost;
}

int Probe::poll(int timeout_ms, const std::function<void(Event&)>& on_event) {
  impl_->on_event = &on_event;
  impl_->handled = 0;
  impl_->callback_error = nullptr;
  impl_->boot_to_epoch_ns = boot_to_epoch_offset_ns();
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  int rc = 0;
  for (;;) {
    // Wait for a wakeup for at most one slice, then take what is there, woken or not.
    int slice = timeout_ms < 0 ? impl_->pacer.look_again_ms() : static_cast<int>(std::clamp<int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count(), 0,
        impl_->pacer.look_again_ms()));
    // No wait (slice 0) needs no poll: the drain takes what is there whether or not a wakeup
    // came, and a poll without a wait would cost a system call for nothing.
    if (impl_->merge.empty() && slice > 0) {
      pollfd ready{impl_->ring.epoll_fd(), POLLIN, 0};
      if (::poll(&ready, 1, slice) < 0 && errno == EINTR) {
        rc = -EINTR;  // a signal: the caller decides
        break;
      }
    }
    rc = impl_->drain();
    if (impl_->callback_error || rc < 0 || impl_->handled > 0) break;
    if (timeout_ms >= 0 && Clock::now() >= deadline) break;
  }
  impl_->on_event = nullptr;
  impl_->pace(static_cast<std::size_t>(impl_->handled));
  if (impl_->callback_error) std::rethrow_exception(impl_->callback_error);
  auto now = std::chrono::steady_clock::now();
  if (now - impl_->last_publish >= std::chrono::seconds(1)) publish_metrics();
  return impl_->handled > 0 || rc >= 0 ? impl_->handled : rc;
}

int Probe::fd() const { return impl_->ring.epoll_fd(); }

int Probe::look_again_ms() const { return impl_->pacer.look_again_ms(); }

bool Probe::busy() const {
  return impl_->handled > 0 || !impl_->merge.empty() || impl_->pacer.expecting(steady_now_ns());
}

Probe::Stats Probe::stats() const {
  Stats s = impl_->user_stats;
  s.wrapped_records = impl_->ring.wrapped_records();
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) return s;
  add_kernel_counts(impl_->skel->maps.counters, impl_->skel->maps.flood_counters, ncpus, s.kinds);
  return s;
}

void Probe::publish_metrics() const { publish_metrics(stats()); }

void Probe::publish_metrics(const Stats& s) const {
  // Deltas since the last publication, so that several probes in one process add up.
  std::lock_guard<std::mutex> lock(impl_->publish_mu);
  impl_->last_publish = std::chrono::steady_clock::now();  // poll()'s own can wait a second more
  if (impl_->enforce_mode != EnforceMode::off) {
    uint64_t lost = enforcement_records_lost();
    Metrics::global()
        .counter("tracehound_enforcement_records_lost_total",
                 "Kill decisions the kernel could not report (its enforcement ring was full)")
        .inc(lost - impl_->enforce_lost_published);
    impl_->enforce_lost_published = lost;
  }
  for (int k = 0; k < TH_KIND_COUNT; ++k) {
    KindStats& last = impl_->published[k];
    impl_->metrics[k].events->inc(s.kinds[k].events - last.events);
    impl_->metrics[k].drops->inc(s.kinds[k].drops - last.drops);
    impl_->metrics[k].filtered->inc(s.kinds[k].filtered - last.filtered);
    impl_->metrics[k].held->inc(s.kinds[k].held - last.held);
    last = s.kinds[k];
  }
}

std::vector<Flooder> Probe::flooders() { return flooders(stats()); }

std::vector<Flooder> Probe::flooders(const Stats& s) {
  uint64_t total = 0;
  for (const auto& k : s.kinds) total += k.held + k.drops;
  if (total == impl_->flood_seen) return {};
  impl_->flood_seen = total;
  return impl_->flood_reader.read(bpf_map__fd(impl_->skel->maps.floods));
}

const std::vector<std::string>& Probe::blind_spots() const { return impl_->blind_spots; }

SyscallHooks Probe::hooks() const { return impl_->hooks; }

std::string Probe::describe() const { return impl_->description; }

}  // namespace th::probe
