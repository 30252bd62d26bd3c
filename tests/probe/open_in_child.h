// Probe::open in a forked child of the test, for failures the child provokes on itself (fewer
// descriptors, no capabilities) without touching the test process: what Probe::open said comes
// back through a pipe.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "probe/loader.h"

namespace probe_test {

// Runs `prepare` in the child, then Probe::open with default options; returns "loaded" or the
// error, followed by what `annotate` appends (it runs in the child after the open).
inline std::string open_probe_in_child(const std::function<void()>& prepare,
                                       const std::function<void(std::string&)>& annotate = {}) {
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return {};
  }
  pid_t child = fork();
  if (child < 0) {
    ADD_FAILURE() << "fork failed";
    return {};
  }
  if (child == 0) {
    close(fds[0]);
    prepare();
    std::string error;
    auto probe = th::probe::Probe::open(th::probe::ProbeOptions{}, error);
    std::string verdict = probe ? "loaded" : error;
    if (annotate) annotate(verdict);
    (void)!write(fds[1], verdict.data(), verdict.size());
    _exit(0);
  }
  close(fds[1]);
  std::string verdict;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) verdict.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  return verdict;
}

}  // namespace probe_test
