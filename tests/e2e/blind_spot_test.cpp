// `syscall_hooks: per_syscall` on a host that runs ia32 syscalls: tracehound starts, but says at
// once that 32-bit syscalls are not watched (a WARNING internal alert and a log line).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "live_harness.h"

namespace e2e {
namespace {

TEST(BlindSpots, PerSyscallHooksRaiseAStartUpAlert) {
  E2E_REQUIRE_LIVE();
  th::test::TempDir dir;
  std::string cfg = dir.path() + "/per-syscall.yaml";
  std::ofstream(cfg) << "syscall_hooks: per_syscall\n";
  Process th({tracehound_binary(), "run", "--format", "json", "--metrics-port", "0", "--config", cfg},
             true);
  std::optional<json> alert;
  for (auto l = th.line(std::chrono::seconds(30)); l && !alert; l = th.line(std::chrono::seconds(5))) {
    auto a = json::parse(*l, nullptr, false);
    if (!a.is_discarded() && a["rule"] == "tracehound internal: syscalls not watched") alert = a;
  }
  th.signal(SIGTERM);
  EXPECT_EQ(th.wait(std::chrono::seconds(20)), 0) << th.stderr_text();
  ASSERT_TRUE(alert) << th.stderr_text();
  EXPECT_EQ((*alert)["priority"], "Warning");
  EXPECT_NE((*alert)["output"].get<std::string>().find("ia32"), std::string::npos);
  EXPECT_NE(th.stderr_text().find("NOT watched"), std::string::npos) << "and logged";
}

}  // namespace
}  // namespace e2e
