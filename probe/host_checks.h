// Facts about the host the loader needs before it loads the probe.
#pragma once

#include <string>

namespace th::probe {

// Empty when this process may load and attach BPF tracing programs; otherwise a sentence naming
// the missing capability (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN).
std::string missing_bpf_capabilities();

// The start-up check of the host, run once before the first Probe::open: mounts tracefs at
// /sys/kernel/tracing unless it is mounted there already (per-syscall tracepoints are found
// through it). Empty on success, else what failed; a daemon logs it and goes on (raw_syscalls
// hooks do not need tracefs, and Probe::open says so if the chosen hooks do).
std::string prepare_host();

// Is tracefs mounted at /sys/kernel/tracing? Probe::open only looks; it never mounts.
bool tracefs_mounted();
// The error Probe::open gives when per-syscall hooks are chosen and tracefs is not mounted.
std::string tracefs_missing_error();

// Can a process on this host make ia32 (int 0x80) or x32 system calls? Tried for real in a
// short-lived child: the kernel may be built without them or boot with them disabled.
struct CompatSyscalls {
  bool ia32 = false;
  bool x32 = false;
  bool any() const { return ia32 || x32; }
};
CompatSyscalls probe_compat_syscalls();

// Does this kernel have io_uring (built in, whether or not io_uring_disabled lets processes use
// it)? Its tracepoints exist exactly then; the probe attaches to them only where they do.
bool io_uring_built_in();

}  // namespace th::probe
