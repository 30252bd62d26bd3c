// The probe is loaded by a short-lived child process (probe/load_child.h): once Probe::open
// returns, that process is gone and the programs it attached keep reporting, under either kind of
// syscall hook (raw tracepoint links and perf-event links); and a load the kernel refuses in the
// child still gives the detector the reason, libbpf's words included.
#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "live_support.h"
#include "open_in_child.h"

namespace probe_test {
namespace {

using th::EvtType;
using th::probe::SyscallHooks;

// The children of every thread of this process.
std::string own_children() {
  std::string all;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "children");
    std::string line;
    std::getline(in, line);
    all += line;
  }
  return all;
}

class LiveLoaderChild : public ::testing::TestWithParam<SyscallHooks> {};

TEST_P(LiveLoaderChild, IsGoneAfterOpenAndTheProgramsStayAttached) {
  ASSERT_EQ(own_children(), "") << "the test started with children";
  th::probe::ProbeOptions options;
  options.hooks = GetParam();
  options.ignore_tgid = getpid();
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);
  ASSERT_EQ(probe->hooks(), GetParam());
  EXPECT_EQ(own_children(), "") << "the loader process outlived Probe::open";

  EventLog log;
  Victim v = Victim::start();
  ProgramRun r = run_program(*probe, log, {attack_program("inject_ptrace_poketext"), std::to_string(v.pid)});
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(log.by_actor(r.pid, EvtType::execve).size(), 1u) << "exec not seen";
  EXPECT_EQ(requests_of(log.by_actor(r.pid, EvtType::ptrace)),
            (std::vector<int64_t>{PTRACE_ATTACH, PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_DETACH}));
  v.expect_alive_and_unchanged();
}

INSTANTIATE_TEST_SUITE_P(Hooks, LiveLoaderChild,
                         ::testing::Values(SyscallHooks::raw_syscalls, SyscallHooks::per_syscall),
                         [](const auto& info) {
                           return info.param == SyscallHooks::raw_syscalls ? "raw_syscalls" : "per_syscall";
                         });

int open_fd_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(LiveLoaderChildFailure, KernelRefusalReachesTheError) {
  std::string why = th::test::missing_bpf("a live probe test");
  if (!why.empty()) TH_SKIP_OR_FAIL(why);
  // In a child of the test: with room for a few descriptors only, the kernel refuses the
  // loader's maps (EMFILE) part way through the load.
  std::string verdict = open_probe_in_child(
      [] {
        rlimit few{};
        few.rlim_cur = few.rlim_max = static_cast<rlim_t>(open_fd_count() + 8);
        setrlimit(RLIMIT_NOFILE, &few);
      },
      [](std::string& verdict) {
        if (waitpid(-1, nullptr, WNOHANG) != -1) verdict += " [a child process was left]";
      });
  RecordProperty("error", verdict);
  EXPECT_NE(verdict.find("the kernel refused the probe (Too many open files)"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("libbpf: "), std::string::npos) << "libbpf's reason is missing: " << verdict;
  EXPECT_NE(verdict.find("failed to create"), std::string::npos) << verdict;
  EXPECT_EQ(verdict.find("a child process was left"), std::string::npos) << verdict;
}

}  // namespace
}  // namespace probe_test
