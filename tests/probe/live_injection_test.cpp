// The injection kinds, live: real injectors against a real victim, checked on the th::Event
// stream the loader produces.
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include <cstddef>

#include "live_fixture.h"

namespace probe_test {
namespace {

using th::EvtType;
using th::Tri;

constexpr int64_t kAttach = PTRACE_ATTACH, kDetach = PTRACE_DETACH, kPeekText = PTRACE_PEEKTEXT,
                  kPokeText = PTRACE_POKETEXT, kSeize = 0x4206, kInterrupt = 0x4207,
                  kGetRegs = PTRACE_GETREGS, kSetRegs = PTRACE_SETREGS, kPeekUser = PTRACE_PEEKUSER,
                  kPokeUser = PTRACE_POKEUSER, kPeekData = PTRACE_PEEKDATA, kPokeData = PTRACE_POKEDATA,
                  kTraceMe = PTRACE_TRACEME;

using LiveInjection = LiveProbeTest;

void expect_targets(const std::vector<th::Event>& events, const Victim& v, Tri descendant) {
  for (const auto& e : events) {
    EXPECT_EQ(e.target_pid, v.pid) << "request " << e.request;
    EXPECT_EQ(e.target_tid, v.pid) << "request " << e.request;
    EXPECT_EQ(e.target_arg_pid, v.pid) << "request " << e.request;
    EXPECT_EQ(e.target_is_descendant, descendant) << "request " << e.request;
  }
}

TEST_F(LiveInjection, PtraceAttachPokeTextDetach) {
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_ptrace_poketext"), std::to_string(v.pid)});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{kAttach, kPeekText, kPokeText, kDetach}));
  expect_targets(events, v, Tri::no);
  uint64_t addr = std::stoull(r.report.at("addr").get<std::string>(), nullptr, 16);
  EXPECT_EQ(events[2].addr, addr);
  EXPECT_EQ(events[1].addr, addr);
  for (const auto& e : events) {
    EXPECT_EQ(e.actor.pid, r.pid);
    EXPECT_EQ(e.actor.tid, r.pid);
    EXPECT_EQ(e.actor.ppid, getpid());
    EXPECT_EQ(e.actor.comm, "inject_ptrace_p");  // comm is at most 15 characters
    EXPECT_EQ(e.actor.pidns, own_pid_namespace());
    EXPECT_EQ(e.actor.vpid, r.pid);
  }
  EXPECT_EQ(events[0].res, 0);
  EXPECT_EQ(events[2].res, 0);
  EXPECT_EQ(events[1].res, 0) << "PEEK requests return the word through data, not res";
  v.expect_alive_and_unchanged();
}

TEST_F(LiveInjection, RenamedInjectorShowsUpAsGdb) {
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_ptrace_poketext"), std::to_string(v.pid), "--as-gdb"});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(events.size(), 4u);
  for (const auto& e : events) EXPECT_EQ(e.actor.comm, "gdb");
  v.expect_alive_and_unchanged();
}

TEST_F(LiveInjection, SeizeInterruptSetRegs) {
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_seize_setregs"), std::to_string(v.pid)});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{kSeize, kInterrupt, kGetRegs, kSetRegs, kDetach}));
  expect_targets(events, v, Tri::no);
  for (const auto& e : events) EXPECT_EQ(e.res, 0) << e.request;
  v.expect_alive_and_unchanged();
}

TEST_F(LiveInjection, PokeUser) {
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_pokeuser"), std::to_string(v.pid)});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{kAttach, kPeekUser, kPokeUser, kDetach}));
  expect_targets(events, v, Tri::no);
  EXPECT_EQ(events[2].addr, r.report.at("offset").get<uint64_t>());
  v.expect_alive_and_unchanged();
}

TEST_F(LiveInjection, ProcessVmWritevSumsTheLocalIovecs) {
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_vm_writev"), std::to_string(v.pid), "--addr",
               std::to_string(v.canary), "--bytes", "48", "--iovs", "5"});
  ASSERT_EQ(r.status, 0);
  auto reads = log_.by_actor(r.pid, EvtType::process_vm_readv);
  auto writes = log_.by_actor(r.pid, EvtType::process_vm_writev);
  ASSERT_EQ(reads.size(), 1u);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(reads[0].bytes, 48u);
  EXPECT_EQ(writes[0].bytes, 48u);
  EXPECT_EQ(writes[0].res, 48);
  expect_targets(writes, v, Tri::no);
  expect_targets(reads, v, Tri::no);
  EXPECT_EQ(r.report.at("local_iovs").get<int>(), 5);
  v.expect_alive_and_unchanged();
}

struct MemCase {
  const char* mode;
  const char* access;
  friend void PrintTo(const MemCase& c, std::ostream* os) { *os << c.mode << "/" << c.access; }
};

class LiveProcMem : public LiveProbeTest, public ::testing::WithParamInterface<MemCase> {};

TEST_P(LiveProcMem, OpensOfTheMemoryFileAreSeenByWhatTheFileIs) {
  const MemCase& c = GetParam();
  Victim v = Victim::start(2);
  ProgramRun r = run({attack_program("inject_proc_mem"), std::to_string(v.pid), "--mode", c.mode,
               "--access", c.access, "--addr", std::to_string(v.canary)});
  ASSERT_EQ(r.status, 0);
  auto opens = log_.where([&](const th::Event& e) {
    return e.actor.pid == r.pid && th::evt_family(e.type) == th::EvtFamily::mem_open;
  });
  std::vector<std::string> expected_flags = r.report.at("opens").get<std::vector<std::string>>();
  ASSERT_EQ(opens.size(), expected_flags.size()) << "only memory files are reported, not maps";
  const pid_t tid = r.report.at("target_tid").get<pid_t>();
  if (std::string(c.mode) == "task") {
    EXPECT_NE(tid, v.pid) << "the task mode names another thread";
  }
  for (std::size_t i = 0; i < opens.size(); ++i) {
    const auto& e = opens[i];
    EXPECT_EQ(e.type, EvtType::openat);  // glibc's open() is openat(2)
    EXPECT_EQ(e.path, r.report.at("path").get<std::string>());
    int accmode = expected_flags[i] == "O_RDWR" ? O_RDWR : expected_flags[i] == "O_WRONLY" ? O_WRONLY : O_RDONLY;
    EXPECT_EQ(static_cast<int>(e.open_flags & O_ACCMODE), accmode) << expected_flags[i];
    EXPECT_EQ(e.is_open_write(), accmode != O_RDONLY);
    EXPECT_EQ(e.target_pid, v.pid);
    EXPECT_EQ(e.target_tid, tid);
    EXPECT_EQ(e.target_arg_pid, tid);
    EXPECT_EQ(e.target_is_descendant, Tri::no);
    EXPECT_GE(e.res, 0) << "the new fd";
  }
  v.expect_alive_and_unchanged();
}

INSTANTIATE_TEST_SUITE_P(Modes, LiveProcMem,
                         ::testing::Values(MemCase{"pid", "rw"}, MemCase{"task", "rw"},
                                           MemCase{"dirfd", "rw"}, MemCase{"pid", "wo"},
                                           MemCase{"task", "ro"}),
                         [](const auto& info) {
                           return std::string(info.param.mode) + "_" + info.param.access;
                         });

TEST_F(LiveInjection, TraceMeHasNoTarget) {
  ProgramRun r = run({attack_program("anti_debug_traceme")});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{kTraceMe}));
  EXPECT_EQ(events[0].res, r.report.at("result").get<int64_t>());
  EXPECT_EQ(events[0].target_pid, 0);
  EXPECT_EQ(events[0].target_is_descendant, Tri::unknown);
}

TEST_F(LiveInjection, TracingYourOwnChildIsADescendant) {
  ProgramRun r = run({attack_program("tracer_parent")});
  ASSERT_EQ(r.status, 0);
  const pid_t child = r.report.at("target_pid").get<pid_t>();
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{kAttach, kPeekData, kPokeData, kDetach}));
  for (const auto& e : events) {
    EXPECT_EQ(e.target_pid, child);
    EXPECT_EQ(e.target_is_descendant, Tri::yes);
  }
}

TEST_F(LiveInjection, Ia32PtraceIsSeenWithItsRequests) {
  if (probe().hooks() != th::probe::SyscallHooks::raw_syscalls)
    GTEST_SKIP() << "this host cannot make ia32 syscalls: " << probe().describe();
  auto before = probe().stats();
  Victim v = Victim::start();
  ProgramRun r = run({attack_program("inject_ptrace_poketext"), std::to_string(v.pid), "--ia32"});
  ASSERT_EQ(r.status, 0);
  auto events = log_.by_actor(r.pid, EvtType::ptrace);
  ASSERT_EQ(requests_of(events), (std::vector<int64_t>{kAttach, kPeekText, kPokeText, kDetach}));
  expect_targets(events, v, Tri::no);
  EXPECT_EQ(probe().stats().by_abi[TH_ABI_IA32] - before.by_abi[TH_ABI_IA32], 2u)
      << "ATTACH and DETACH went through int 0x80";
  v.expect_alive_and_unchanged();
}

TEST_F(LiveInjection, TheProbeIgnoresItsOwnProcess) {
  Victim v = Victim::start();
  // This test process is the probe's ignore_tgid: its own memory-file open and
  // process_vm_readv must not be reported...
  std::string path = "/proc/" + std::to_string(v.pid) + "/mem";
  int fd = open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  close(fd);
  // ...while a child's are.
  ProgramRun r = run({attack_program("inject_proc_mem"), std::to_string(v.pid), "--addr", std::to_string(v.canary)});
  ASSERT_EQ(r.status, 0);
  EXPECT_TRUE(log_.where([](const th::Event& e) { return e.actor.pid == getpid() && th::evt_has_target(e.type); }).empty());
  EXPECT_EQ(log_.by_actor(r.pid, EvtType::openat).size(), 1u);
  v.expect_alive_and_unchanged();
}

}  // namespace
}  // namespace probe_test
