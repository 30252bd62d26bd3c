// Probe::open's failure when BPF is not permitted: the error must name the capability. Runs
// anywhere: a child drops the capabilities from its effective set first (a no-op unprivileged).
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "open_in_child.h"

namespace {

void drop_effective_capabilities() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[2]{};
  syscall(SYS_capget, &header, data);
  data[0].effective = 0;
  data[1].effective = 0;
  syscall(SYS_capset, &header, data);
}

TEST(LoaderErrors, MissingCapabilityIsNamed) {
  std::string verdict = probe_test::open_probe_in_child(drop_effective_capabilities);
  EXPECT_NE(verdict.find("CAP_BPF"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("CAP_PERFMON"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("CAP_SYS_ADMIN"), std::string::npos) << verdict;
}

}  // namespace
