// The process table against this machine's real /proc.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/metrics/metrics.h"
#include "engine/proc/process_table.h"
#include "support/child.h"
#include "support/skip.h"

namespace th {
namespace {

ProcessTableOptions live_opts(Metrics& m) {
  ProcessTableOptions o;
  o.proc_root = "/proc";
  o.passwd_path = "";
  o.metrics = &m;
  o.max_entries = 0;  // a busy machine must not evict what the test looks for
  return o;
}

using ChildGuard = th::test::PidGuard;

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return fds_[0] >= 0; }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void close_read() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // Reads until EOF; returns the bytes read.
  std::string drain() {
    std::string out;
    char buf[64];
    for (;;) {
      ssize_t n = ::read(fds_[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fds_[2];
};

// fork + exec of /bin/sleep; returns once the exec happened (the close-on-exec pipe reaches EOF).
pid_t spawn_sleep() {
  Pipe ready;
  if (!ready.ok()) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ready.close_read();
    char* const argv[] = {const_cast<char*>("/bin/sleep"), const_cast<char*>("30"), nullptr};
    ::execv("/bin/sleep", argv);
    ::_exit(127);
  }
  ready.close_write();
  ready.drain();
  return pid;
}

std::string self_exe() { return std::filesystem::canonical("/proc/self/exe").string(); }

TEST(RealProc, BootstrapFindsInitAndThisProcess) {
  Metrics m;
  ProcessTable t(live_opts(m));
  EXPECT_GT(t.bootstrap(), 1u);
  const Process* init = t.find(1);
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->ppid, 0);
  const Process* self = t.find(::getpid());
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_EQ(self->uid, ::geteuid());
  EXPECT_EQ(self->exepath, self_exe());
  EXPECT_NE(self->exepath.find("test_proc"), std::string::npos) << self->exepath;
  EXPECT_GT(self->start_ns, 0u);
  EXPECT_NE(self->pidns, 0u);
  EXPECT_FALSE(self->container_id.empty());
  EXPECT_EQ(m.value("tracehound_proctable_entries"), static_cast<double>(t.size()));
}

TEST(RealProc, AncestryOfThisProcessReachesInit) {
  Metrics m;
  ProcessTable t(live_opts(m));
  t.bootstrap();
  const Process* self = t.find(::getpid());
  ASSERT_NE(self, nullptr);
  int32_t last = self->pid;
  t.for_each_ancestor(*self, [&](const Process& p) {
    last = p.pid;
    return true;
  });
  EXPECT_EQ(last, 1);
  EXPECT_TRUE(t.is_ancestor(1, ::getpid()));
  EXPECT_TRUE(t.is_ancestor(::getppid(), ::getpid()));
  EXPECT_FALSE(t.is_ancestor(::getpid(), 1));
}

TEST(RealProc, SpawnedChildHasItsArgv) {
  ChildGuard child(spawn_sleep());
  ASSERT_GT(child.get(), 0);
  const std::string sleep_exe = std::filesystem::canonical("/bin/sleep").string();

  Metrics m1;
  ProcessTable by_resolve(live_opts(m1));
  const Process* p = by_resolve.resolve_pid(child.get());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->argv, (std::vector<std::string>{"/bin/sleep", "30"}));
  EXPECT_EQ(p->exepath, sleep_exe);
  EXPECT_EQ(p->comm, "sleep");
  EXPECT_EQ(p->cmdline, "sleep 30");
  EXPECT_EQ(p->ppid, ::getpid());

  Metrics m2;
  ProcessTable by_boot(live_opts(m2));
  by_boot.bootstrap();
  const Process* q = by_boot.find(child.get());
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->argv, p->argv);
  EXPECT_TRUE(by_boot.is_ancestor(::getpid(), child.get()));
  EXPECT_TRUE(by_boot.is_ancestor(1, child.get()));

  // After it dies, /proc no longer knows it; the table keeps it until told otherwise.
  const int32_t pid = child.get();
  child.stop();
  Metrics m3;
  ProcessTable fresh(live_opts(m3));
  EXPECT_EQ(fresh.resolve_pid(pid), nullptr);
  EXPECT_NE(by_boot.find(pid), nullptr);
}

TEST(RealProc, ProcessInANewPidNamespace) {
  TH_REQUIRE_OR_SKIP(th::test::missing_root("unshare(CLONE_NEWPID)"));
  Pipe pid_pipe;  // the helper tells the host pid of the namespace's init
  Pipe ready;     // EOF once that init has exec'd
  ASSERT_TRUE(pid_pipe.ok() && ready.ok());

  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    pid_pipe.close_read();
    ready.close_read();
    if (::unshare(CLONE_NEWPID) != 0) ::_exit(2);
    pid_t init = ::fork();  // pid 1 of the new namespace
    if (init < 0) ::_exit(3);
    if (init == 0) {
      pid_pipe.close_write();
      char* const argv[] = {const_cast<char*>("/bin/sleep"), const_cast<char*>("30"), nullptr};
      ::execv("/bin/sleep", argv);
      ::_exit(127);
    }
    ready.close_write();
    int32_t host_pid = init;
    if (::write(pid_pipe.write_fd(), &host_pid, sizeof host_pid) != sizeof host_pid) ::_exit(4);
    pid_pipe.close_write();
    int status = 0;
    ::waitpid(init, &status, 0);
    ::_exit(0);
  }
  ChildGuard helper_guard(helper);
  pid_pipe.close_write();
  ready.close_write();
  std::string got = pid_pipe.drain();
  ASSERT_EQ(got.size(), sizeof(int32_t)) << "the helper failed (unshare refused?)";
  int32_t ns_init = 0;
  std::memcpy(&ns_init, got.data(), sizeof ns_init);
  ChildGuard init_guard(ns_init);
  ready.drain();

  struct stat ns_stat {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(ns_init) + "/ns/pid").c_str(), &ns_stat), 0);
  struct stat own_ns {};
  ASSERT_EQ(::stat("/proc/self/ns/pid", &own_ns), 0);

  Metrics m;
  ProcessTable t(live_opts(m));
  const Process* p = t.resolve_pid(ns_init);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pid, ns_init);
  EXPECT_EQ(p->vpid, 1);
  EXPECT_EQ(p->pidns, static_cast<uint64_t>(ns_stat.st_ino));
  EXPECT_NE(p->pidns, static_cast<uint64_t>(own_ns.st_ino));
  EXPECT_EQ(p->ppid, helper);
  EXPECT_EQ(p->argv, (std::vector<std::string>{"/bin/sleep", "30"}));
  const Process* by_v = t.find_by_vpid(ns_stat.st_ino, 1);
  ASSERT_NE(by_v, nullptr);
  EXPECT_EQ(by_v->pid, ns_init);

  // Bootstrap sees the same.
  Metrics m2;
  ProcessTable boot(live_opts(m2));
  boot.bootstrap();
  const Process* b = boot.find_by_vpid(ns_stat.st_ino, 1);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->pid, ns_init);
  const Process* self = boot.find(::getpid());
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(boot.find_by_vpid(self->pidns, self->vpid), self);

  init_guard.stop();
  helper_guard.stop();
}

}  // namespace
}  // namespace th
