#include "engine/proc/proc_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>

#include "engine/core/exe_trust.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/container_id.h"
#include "engine/proc/proc_file.h"
#include "engine/proc/proc_parse.h"

namespace th {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

std::optional<std::string> read_link(const std::string& path) {
  char buf[PATH_MAX + 64];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

// A process whose exe link the kernel refused to show: its exepath stays empty. Counted so that
// a missing capability is never silent.
Counter& denied_exe_links() {
  static Counter& denied = Metrics::global().counter(
      "tracehound_proc_unreadable_total",
      "Processes whose /proc/<pid>/exe could not be read for lack of permission");
  return denied;
}

constexpr std::size_t kSmallFileCap = 64 * 1024;
constexpr uint64_t kNsPerSec = 1'000'000'000;

}  // namespace

uint64_t proc_unreadable_total() { return denied_exe_links().value(); }

ProcReader::ProcReader(std::string proc_root) : root_(std::move(proc_root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  long t = ::sysconf(_SC_CLK_TCK);
  clk_tck_ = t > 0 ? t : 100;
}

uint64_t ProcReader::boot_time_ns() const noexcept {
  if (!btime_ns_) {
    uint64_t v = 0;
    if (enabled()) {
      try {
        if (auto s = read_whole_file(root_ + "/stat", kSmallFileCap)) {
          if (auto b = parse_btime(*s); b && *b < UINT64_MAX / kNsPerSec) v = *b * kNsPerSec;
        }
      } catch (...) {
      }
    }
    btime_ns_ = v;
  }
  return *btime_ns_;
}

std::vector<int32_t> ProcReader::list_pids() const noexcept {
  std::vector<int32_t> pids;
  if (!enabled()) return pids;
  try {
    std::unique_ptr<DIR, DirCloser> dir(::opendir(root_.c_str()));
    if (!dir) return pids;
    while (dirent* de = ::readdir(dir.get())) {
      std::string_view name = de->d_name;
      if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
            return c >= '0' && c <= '9';
          })) {
        continue;
      }
      auto v = parse_decimal(name);
      if (v && *v > 0 && *v <= INT32_MAX) pids.push_back(static_cast<int32_t>(*v));
    }
    std::sort(pids.begin(), pids.end());
  } catch (...) {
    pids.clear();
  }
  return pids;
}

bool ProcReader::read(int32_t pid, Process& out) const noexcept {
  if (!enabled() || pid <= 0) return false;
  try {
    return read_impl(pid, out);
  } catch (...) {
    return false;  // allocation failure: treat as unreadable
  }
}

std::optional<ContainerId> ProcReader::read_container(int32_t pid) const noexcept {
  if (!enabled() || pid <= 0) return std::nullopt;
  try {
    auto s = read_whole_file(root_ + "/" + std::to_string(pid) + "/cgroup", kSmallFileCap);
    if (!s) return std::nullopt;
    return container_id_from_cgroup_file(*s);
  } catch (...) {
    return std::nullopt;
  }
}

bool ProcReader::read_impl(int32_t pid, Process& out) const {
  const std::string dir = root_ + "/" + std::to_string(pid);
  auto stat_text = read_whole_file(dir + "/stat", kSmallFileCap);
  if (!stat_text) return false;
  auto st = parse_proc_stat(*stat_text);
  if (!st) return false;

  Process p;
  p.pid = pid;
  p.ppid = st->ppid > 0 ? st->ppid : 0;
  p.tty = st->tty_nr;
  p.sid = st->session;
  p.comm = st->comm;
  if (st->starttime_ticks) {
    uint64_t boot = boot_time_ns();
    if (boot != 0 && *st->starttime_ticks < UINT64_MAX / kNsPerSec) {
      p.start_ns = boot + *st->starttime_ticks * kNsPerSec / static_cast<uint64_t>(clk_tck_);
    }
  }

  if (auto s = read_whole_file(dir + "/status", kSmallFileCap)) {
    ProcStatus status = parse_proc_status(*s);
    if (status.tgid && *status.tgid > 0) p.pid = *status.tgid;
    if (status.euid) p.uid = *status.euid;
    if (status.vpid && *status.vpid > 0) p.vpid = *status.vpid;
    if (p.comm.empty()) p.comm = status.name;
  }
  if (p.vpid == 0) p.vpid = p.pid;  // kernels without NSpid: only the host namespace exists

  // comm as the kernel holds it (stat's copy can be cut by odd characters in older kernels).
  if (auto c = read_whole_file(dir + "/comm", 256)) {
    std::string_view v = *c;
    if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
    if (!v.empty()) p.comm = std::string(v);
  }

  if (auto c = read_whole_file(dir + "/cmdline", kMaxCmdlineBytes)) p.argv = parse_cmdline(*c);
  // Kernel threads have no command line: Falco shows the comm as their exe.
  if (p.argv.empty() && !p.comm.empty()) p.argv.push_back(p.comm);

  if (auto cwd = read_link(dir + "/cwd")) p.cwd = std::move(*cwd);
  if (auto link = read_link(dir + "/exe")) {
    ExeLink exe = parse_exe_link(*link);
    p.exepath = std::move(exe.path);
    p.exe_from_memfd = exe.from_memfd;
  } else if (errno == EACCES || errno == EPERM) {
    denied_exe_links().inc();
  }

  // The executed file and its start-up environment, for processes that started before us (exec
  // events carry both from the kernel).
  struct stat exe_st {};
  if (stat((dir + "/exe").c_str(), &exe_st) == 0) {
    p.exe_identity_known = true;
    p.exe_dev = exe_st.st_dev;
    p.exe_ino = exe_st.st_ino;
  }
  if (auto env = read_whole_file(dir + "/environ", kMaxEnvironBytes))
    p.env_injection = env_injection_of(*env, env->size() >= kMaxEnvironBytes);
  if (auto s = read_whole_file(dir + "/loginuid", 64)) {
    if (auto v = parse_decimal(*s); v && *v <= UINT32_MAX) p.loginuid = static_cast<uint32_t>(*v);
  }

  ContainerId cid;
  if (auto s = read_whole_file(dir + "/cgroup", kSmallFileCap)) cid = container_id_from_cgroup_file(*s);
  p.container_full_id = std::move(cid.full);
  p.container_id = std::move(cid.short_id);

  if (auto link = read_link(dir + "/ns/pid")) {
    if (auto ino = parse_ns_inode(*link)) p.pidns = *ino;
  }

  p.refresh_cmdline();
  out = std::move(p);
  return true;
}

}  // namespace th
