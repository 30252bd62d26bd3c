#include "support/skip.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace th::test {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

std::string missing_root(const std::string& what) {
  if (::geteuid() == 0) return {};
  return what + " needs root";
}

std::string missing_bpf(const std::string& what) {
  if (::geteuid() != 0) return what + " needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)";
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return what + " needs kernel BTF (/sys/kernel/btf/vmlinux)";
  return {};
}

}  // namespace th::test
