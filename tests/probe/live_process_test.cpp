// fork/clone/vfork/clone3, exec and exit, live.
#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include "live_fixture.h"
#include "probe/tracehound.h"

namespace probe_test {
namespace {

using th::EvtType;

constexpr uint64_t kCloneVm = 0x100, kCloneVfork = 0x4000, kCloneThread = 0x10000;

using LiveProcess = LiveProbeTest;

std::string real_path(const char* path) {
  char buf[PATH_MAX];
  return realpath(path, buf) ? buf : "";
}

TEST_F(LiveProcess, EveryWayOfCreatingATaskIsReported) {
  ProgramRun r = run({attack_program("fork_variants")});
  ASSERT_EQ(r.status, 0);
  auto forks = log_.where([&](const th::Event& e) {
    return e.actor.pid == r.pid && th::evt_family(e.type) == th::EvtFamily::fork;
  });
  auto find_child = [&](pid_t child) -> const th::Event* {
    for (const auto& e : forks)
      if (e.child_tid == child) return &e;
    return nullptr;
  };
  const th::Event* f = find_child(r.report.at("fork").get<pid_t>());
  const th::Event* vf = find_child(r.report.at("vfork").get<pid_t>());
  const th::Event* raw = find_child(r.report.at("fork_syscall").get<pid_t>());
  const th::Event* thread = find_child(r.report.at("thread").get<pid_t>());
  ASSERT_TRUE(f && vf && raw && thread) << forks.size() << " fork events";

  EXPECT_EQ(f->type, EvtType::clone);  // glibc's fork() is clone(2)
  EXPECT_EQ(f->child_pid, f->child_tid);
  EXPECT_EQ(f->clone_flags & kCloneThread, 0u);
  EXPECT_EQ(f->res, f->child_pid) << "res is the child's pid as the parent sees it";

  EXPECT_EQ(vf->type, EvtType::vfork);
  EXPECT_EQ(vf->clone_flags & (kCloneVm | kCloneVfork), kCloneVm | kCloneVfork);

  EXPECT_EQ(raw->type, EvtType::fork);
  EXPECT_EQ(raw->child_pid, raw->child_tid);

  EXPECT_EQ(thread->type, EvtType::clone3);  // glibc's pthread_create() is clone3(2)
  EXPECT_EQ(thread->child_pid, r.pid) << "a new thread belongs to the caller's process";
  EXPECT_NE(thread->child_tid, r.pid);
  EXPECT_NE(thread->clone_flags & kCloneThread, 0u);

  for (const th::Event* e : {f, vf, raw, thread}) EXPECT_EQ(e->actor.pid, r.pid);

  // Each child process exits once (threads do not produce procexit).
  for (const char* key : {"fork", "vfork", "fork_syscall"}) {
    pid_t child = r.report.at(key).get<pid_t>();
    auto exits = log_.by_actor(child, EvtType::procexit);
    ASSERT_EQ(exits.size(), 1u) << key;
    EXPECT_EQ(exits[0].exit_code, 0);
    EXPECT_EQ(exits[0].actor.ppid, r.pid);
  }
  EXPECT_TRUE(log_.where([&](const th::Event& e) {
                    return e.type == EvtType::procexit && e.actor.tid == r.report.at("thread").get<pid_t>() &&
                           e.actor.pid == r.pid && e.res != 0;
                  }).empty());
}

TEST_F(LiveProcess, ExecCarriesTheResolvedExecutableAndArgv) {
  ProgramRun r = run({"/bin/sh", "-c", "exit 7", "extra arg"});
  auto execs = log_.by_actor(r.pid, EvtType::execve);
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(execs[0].exepath, real_path("/bin/sh")) << "the file the kernel ran, links resolved";
  EXPECT_EQ(execs[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "exit 7", "extra arg"}));
  EXPECT_FALSE(execs[0].exe_from_memfd);
  EXPECT_EQ(execs[0].actor.ppid, getpid());
  auto exits = log_.by_actor(r.pid, EvtType::procexit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].exit_code, 7);
  EXPECT_EQ(WEXITSTATUS(r.status), 7);
}

TEST_F(LiveProcess, LongArgvIsCutAndCounted) {
  const std::string long_arg(3000, 'a');  // more than a record holds (TH_ARGS_LEN)
  auto before = probe().stats();
  ProgramRun r = run({"/bin/true", "first", long_arg});
  auto execs = log_.by_actor(r.pid, EvtType::execve);
  ASSERT_EQ(execs.size(), 1u);
  ASSERT_EQ(execs[0].argv.size(), 3u);
  EXPECT_EQ(execs[0].argv[1], "first");
  EXPECT_EQ(execs[0].argv[2], long_arg.substr(0, execs[0].argv[2].size())) << "a prefix of it";
  EXPECT_LT(execs[0].argv[2].size(), long_arg.size());
  EXPECT_GT(probe().stats().truncated_records, before.truncated_records);
}

TEST_F(LiveProcess, ExitBySignal) {
  Child sleeper({"/bin/sleep", "30"});
  kill(sleeper.pid(), SIGKILL);
  log_.collect_until_exit(probe(), sleeper);
  auto exits = log_.by_actor(sleeper.pid(), EvtType::procexit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].exit_code, 128 + SIGKILL);
}

TEST_F(LiveProcess, MultiThreadedProcessExitsOnce) {
  Victim v = Victim::start(3);
  pid_t pid = v.pid;
  v.expect_alive_and_unchanged();
  log_.drain(probe());
  auto exits = log_.by_actor(pid, EvtType::procexit);
  ASSERT_EQ(exits.size(), 1u) << "one procexit for the process, none per thread";
  EXPECT_EQ(exits[0].exit_code, 0);
}

// Loader variables in the new program's environment, read from its stack at exec: 8-byte
// pointers in a 64-bit program, 4-byte ones in a 32-bit (i386) program.
TEST_F(LiveProcess, LoaderVariablesAreReadFrom64And32BitPrograms) {
  for (const std::string& program : {real_path("/bin/true"), attack_program("exit32")}) {
    SCOPED_TRACE(program);
    ProgramRun r = run({"/usr/bin/env", "LD_PRELOAD=/nonexistent/th.so", "LD_AUDIT=/nonexistent/a.so",
                        program});
    auto execs = log_.by_actor(r.pid, EvtType::execve);
    ASSERT_EQ(execs.size(), 2u) << "env, then the program";
    EXPECT_EQ(execs[1].exepath, program);
    EXPECT_EQ(execs[1].env_injection, TH_ENV_LD_PRELOAD | TH_ENV_LD_AUDIT);
    ProgramRun clean = run({"/usr/bin/env", "-i", "HOME=/", program});
    auto clean_execs = log_.by_actor(clean.pid, EvtType::execve);
    ASSERT_EQ(clean_execs.size(), 2u);
    EXPECT_EQ(clean_execs[1].env_injection, 0) << "scanned, and nothing found";
  }
}

TEST_F(LiveProcess, ExecOfAMemfdIsMarked) {
  ProgramRun r = run({attack_program("exec_memfd"), "--name", "th-memfd"});
  ASSERT_EQ(r.status, 0);
  auto execs = log_.where([&](const th::Event& e) { return e.actor.pid == r.pid && th::evt_family(e.type) == th::EvtFamily::exec; });
  ASSERT_EQ(execs.size(), 2u) << "the program itself, then the memfd";
  const th::Event& e = execs[1];
  EXPECT_EQ(e.type, EvtType::execveat) << "fexecve() is execveat(fd, \"\", AT_EMPTY_PATH)";
  EXPECT_TRUE(e.exe_from_memfd);
  EXPECT_EQ(e.exepath, "/memfd:th-memfd (deleted)");
  EXPECT_EQ(e.argv, r.report.at("argv").get<std::vector<std::string>>());
  EXPECT_FALSE(execs[0].exe_from_memfd);
  EXPECT_EQ(execs[0].exepath, real_path(attack_program("exec_memfd").c_str()));
}

}  // namespace
}  // namespace probe_test
