// Skipping a test that cannot run on this host. A test that needs root, BPF, a tool or a kernel
// feature skips with the reason; under CI=true the skip is a failure instead, because CI runs on a
// machine where everything is there and must exercise it for real.
#pragma once

#include <string>

#include <gtest/gtest.h>

namespace th::test {

bool in_ci();  // CI=true in the environment

// "" when this process runs as root, else why `what` needs it.
std::string missing_root(const std::string& what);
// "" when `what` can load BPF programs here (root, kernel BTF), else what is missing.
std::string missing_bpf(const std::string& what);

}  // namespace th::test

// Skips the running test (or fails it under CI=true) with `reason`, anything gtest can stream.
// Like GTEST_SKIP() and FAIL(), it returns from the current function (a TEST body or SetUp).
#define TH_SKIP_OR_FAIL(reason)                         \
  do {                                                  \
    if (::th::test::in_ci()) {                          \
      FAIL() << "CI=true, cannot skip: " << (reason);   \
    } else {                                            \
      GTEST_SKIP() << (reason);                         \
    }                                                   \
  } while (0)

// TH_SKIP_OR_FAIL(why) when `why` (a string naming what is missing) is not empty.
#define TH_REQUIRE_OR_SKIP(why)                         \
  do {                                                  \
    const std::string th_why_ = (why);                  \
    if (!th_why_.empty()) TH_SKIP_OR_FAIL(th_why_);     \
  } while (0)
