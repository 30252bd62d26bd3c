// Reads one /proc/<pid> into a Process. The proc root is a parameter so that a sidecar can read
// the host's (/host/proc) and tests a fake tree in a temporary directory. Processes vanish while
// they are read and files may hold anything: read() never throws and never crashes; it returns
// false only when the process is not there at all (no parsable stat), and otherwise fills what
// it could read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/process.h"
#include "engine/proc/container_id.h"

namespace th {

// Processes whose /proc/<pid>/exe the kernel refused to show since start (no CAP_SYS_PTRACE over
// another user's process); also the metric tracehound_proc_unreadable_total.
uint64_t proc_unreadable_total();

class ProcReader {
 public:
  explicit ProcReader(std::string proc_root = "/proc");

  const std::string& root() const { return root_; }
  bool enabled() const { return !root_.empty(); }

  // Fills `out` from <root>/<pid>. out.pid is the thread group id (pid may name a thread).
  bool read(int32_t pid, Process& out) const noexcept;

  // The container of <root>/<pid> from its cgroup file alone (when the process moved into a
  // container after it was first read: runc's child joins the container's cgroup before its
  // exec). nullopt when the file cannot be read.
  std::optional<ContainerId> read_container(int32_t pid) const noexcept;

  // The numeric entries of the root (thread group ids), ascending. Empty on any error.
  std::vector<int32_t> list_pids() const noexcept;

  // Boot time (ns since the epoch) from <root>/stat, 0 when unknown. Read once.
  uint64_t boot_time_ns() const noexcept;

  // Upper bound on the bytes of cmdline read (arguments beyond it are cut).
  static constexpr std::size_t kMaxCmdlineBytes = 128 * 1024;
  static constexpr std::size_t kMaxEnvironBytes = 256 * 1024;

 private:
  bool read_impl(int32_t pid, Process& out) const;

  std::string root_;
  long clk_tck_;
  mutable std::optional<uint64_t> btime_ns_;
};

}  // namespace th
