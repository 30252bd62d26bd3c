// Probe::open's failure when BPF is not permitted: the error must name the capability. Runs
// anywhere: a child drops the capabilities from its effective set first (a no-op unprivileged).
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "probe/loader.h"

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
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    drop_effective_capabilities();
    std::string error;
    auto probe = th::probe::Probe::open(th::probe::ProbeOptions{}, error);
    std::string verdict = probe ? "loaded" : error;
    (void)!write(fds[1], verdict.data(), verdict.size());
    _exit(0);
  }
  close(fds[1]);
  std::string verdict;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) verdict.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_NE(verdict.find("CAP_BPF"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("CAP_PERFMON"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("CAP_SYS_ADMIN"), std::string::npos) << verdict;
}

}  // namespace
