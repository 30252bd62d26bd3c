#include "probe/host_checks.h"

#include <linux/capability.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace th::probe {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;
constexpr long kTracefsMagic = 0x74726163;
constexpr const char* kTracefs = "/sys/kernel/tracing";

bool has_effective_cap(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective >> (cap % 32)) & 1u;
}

}  // namespace

std::string missing_bpf_capabilities() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0)
    return std::string("cannot read this process's capabilities: ") + std::strerror(errno);
  if (has_effective_cap(data, kCapSysAdmin)) return {};
  bool bpf = has_effective_cap(data, kCapBpf), perfmon = has_effective_cap(data, kCapPerfmon);
  if (bpf && perfmon) return {};
  std::string missing = !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" : !bpf ? "CAP_BPF" : "CAP_PERFMON";
  return "loading the probe needs " + missing + " (or CAP_SYS_ADMIN); run as root or grant them";
}

bool tracefs_mounted() {
  struct statfs st {};
  return statfs(kTracefs, &st) == 0 && static_cast<long>(st.f_type) == kTracefsMagic;
}

std::string tracefs_missing_error() {
  return std::string("per-syscall hooks need tracefs, which is not mounted at ") + kTracefs +
         " (mount -t tracefs tracefs " + kTracefs + ", or use syscall_hooks: raw_syscalls)";
}

std::string prepare_host() {
  if (tracefs_mounted()) return {};
  if (mount("tracefs", kTracefs, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0)
    return {};
  return std::string("cannot mount tracefs at ") + kTracefs + ": " + std::strerror(errno);
}

CompatSyscalls probe_compat_syscalls() {
  // Each attempt runs in a child: where ia32 entry is disabled, int 0x80 raises SIGSEGV.
  auto child_ok = [](bool ia32) {
    pid_t child = fork();
    if (child < 0) return false;
    if (child == 0) {
      long expected = syscall(SYS_getpid), got = -1;
      if (ia32) {
        // ia32 getpid is 20; int 0x80 clobbers r8-r11 on some kernels.
        __asm__ volatile("int $0x80" : "=a"(got) : "a"(20L) : "r8", "r9", "r10", "r11", "memory");
      } else {
        got = syscall(0x40000000L | SYS_getpid);  // x32 getpid: same number, bit 30 set
      }
      _exit(got == expected ? 0 : 1);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  CompatSyscalls out;
  out.ia32 = child_ok(true);
  out.x32 = child_ok(false);
  return out;
}

bool io_uring_built_in() {
  // io_uring_setup(0, NULL) is refused (EINVAL/EFAULT, EPERM where io_uring_disabled says so) by
  // a kernel that has io_uring, and ENOSYS by one built without it.
  errno = 0;
  long r = syscall(SYS_io_uring_setup, 0, nullptr);
  if (r >= 0) close(static_cast<int>(r));
  return !(r < 0 && errno == ENOSYS);
}

}  // namespace th::probe
