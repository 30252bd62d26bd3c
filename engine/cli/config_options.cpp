#include "engine/cli/config_options.h"

#include <unistd.h>

namespace th::cli {

LoadOptions load_options(const Config& cfg) {
  return LoadOptions{&FieldRegistry::builtin(), cfg.folding.enabled};
}

DetectorOptions detector_options(const Config& cfg) {
  DetectorOptions d;
  d.hostname = cfg.hostname;
  d.fold.enabled = cfg.folding.enabled;
  d.fold.window_ns = static_cast<uint64_t>(cfg.folding.window.count()) * 1'000'000ull;
  d.enforcement_mode = std::string(enforcement_mode_name(cfg.enforcement.mode));
  return d;
}

RateLimitOptions rate_limit_options(const RateLimitConfig& c) {
  auto ns = [](Millis m) { return static_cast<uint64_t>(m.count()) * 1'000'000ull; };
  RateLimitOptions o;
  o.enabled = c.enabled;
  o.burst = c.burst;
  o.interval_ns = ns(c.interval);
  o.user_budget = c.user_budget;
  o.user_burst = c.user_burst;
  o.summary_interval_ns = ns(c.summary_interval);
  return o;
}

ProcessTableOptions process_table_options(const Config& cfg, ProcSource source) {
  ProcessTableOptions t;
  t.max_entries = cfg.process_table_size;
  t.passwd_path = cfg.passwd_path;
  if (source == ProcSource::recorded_only) t.proc_root = "";
  return t;
}

probe::ProbeOptions probe_options(const Config& cfg, const Interest& interest) {
  probe::ProbeOptions p;
  switch (cfg.syscall_hooks) {
    case SyscallHooksChoice::automatic: p.hooks = probe::SyscallHooks::automatic; break;
    case SyscallHooksChoice::raw_syscalls: p.hooks = probe::SyscallHooks::raw_syscalls; break;
    case SyscallHooksChoice::per_syscall: p.hooks = probe::SyscallHooks::per_syscall; break;
  }
  p.interest = interest;
  p.ringbuf_bytes = static_cast<uint32_t>(cfg.ring_buffer_size);
  p.ignore_tgid = static_cast<int32_t>(getpid());
  return p;
}

}  // namespace th::cli
