// Under per-syscall hooks the probe cannot see ia32 syscalls; on a host that runs them it must
// say so (blind_spots(), the log, a metric), never stay silent. Raw syscall hooks see them.
#include "engine/metrics/metrics.h"
#include "live_support.h"
#include "probe/host_checks.h"

namespace probe_test {
namespace {

double unwatched(const char* abi) {
  return th::Metrics::global().value("tracehound_probe_unwatched_syscall_abi", {{"abi", abi}});
}

TEST(LiveBlindSpots, PerSyscallHooksSayThat32BitSyscallsAreNotWatched) {
  th::probe::CompatSyscalls compat = th::probe::probe_compat_syscalls();
  if (!compat.ia32) TH_SKIP_OR_FAIL("ia32 syscalls do not work on this host");
  th::probe::ProbeOptions options;
  options.hooks = th::probe::SyscallHooks::per_syscall;
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);
  ASSERT_FALSE(probe->blind_spots().empty());
  EXPECT_NE(probe->blind_spots()[0].find("ia32"), std::string::npos) << probe->blind_spots()[0];
  EXPECT_NE(probe->blind_spots()[0].find("NOT watched"), std::string::npos);
  EXPECT_EQ(unwatched("ia32"), 1.0);
}

TEST(LiveBlindSpots, RawSyscallHooksHaveNone) {
  th::probe::ProbeOptions options;
  options.hooks = th::probe::SyscallHooks::raw_syscalls;
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);
  EXPECT_TRUE(probe->blind_spots().empty());
  EXPECT_EQ(unwatched("ia32"), 0.0);
  EXPECT_EQ(unwatched("x32"), 0.0);
}

}  // namespace
}  // namespace probe_test
