// The test helpers themselves: what they clean up, and that waiting ends on the event.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/child.h"
#include "support/poll.h"
#include "support/skip.h"
#include "support/temp.h"

namespace th::test {
namespace {

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

TEST(TempDirAndFile, AreRemovedWithWhatTheyHold) {
  std::string dir_path, file_path;
  {
    TempDir dir("th-support");
    dir_path = dir.path();
    std::ofstream(dir / "inner") << "x";
    ASSERT_TRUE(std::filesystem::is_regular_file(dir / "inner"));
    TempFile file("content\n", "th-support");
    file_path = file.path();
    EXPECT_EQ(file.read(), "content\n");
    file.write("other");
    EXPECT_EQ(file.read(), "other");
  }
  EXPECT_FALSE(std::filesystem::exists(dir_path));
  EXPECT_FALSE(std::filesystem::exists(file_path));
}

TEST(ChildProcess, LinesExitCodeAndStderr) {
  Child c({"/bin/sh", "-c", "echo one; echo two >&2; printf last; exit 4"}, true);
  EXPECT_EQ(c.line(), "one");
  EXPECT_EQ(c.line(), "last") << "a last line without a newline counts at the end of output";
  EXPECT_EQ(c.line(std::chrono::seconds(30)), std::nullopt);
  EXPECT_EQ(c.wait(), 4);
  EXPECT_EQ(c.stderr_text(), "two\n");
}

TEST(ChildProcess, IsKilledAndReapedWhenDestroyed) {
  pid_t pid = 0;
  {
    Child c({"/bin/sleep", "600"});
    pid = c.pid();
    EXPECT_FALSE(c.exited());
  }
  // Reaped by the destructor: the pid is gone (not even a zombie of ours).
  EXPECT_FALSE(alive(pid));
}

TEST(ChildProcess, WaitKillsAfterItsTimeout) {
  Child c({"/bin/sleep", "600"});
  EXPECT_EQ(c.wait(std::chrono::milliseconds(50)), -SIGKILL);
}

TEST(PidGuardTest, KillsAndReaps) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  { PidGuard guard(pid); }
  EXPECT_FALSE(alive(pid));
}

TEST(Eventually, ReturnsWhenTheConditionHoldsOrTheLimitPasses) {
  int calls = 0;
  EXPECT_TRUE(eventually([&] { return ++calls == 3; }));
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(eventually([] { return false; }, std::chrono::milliseconds(20)));
}

TEST(Skip, CiIsReadFromTheEnvironment) {
  const char* before = std::getenv("CI");
  const std::string saved = before ? before : "";
  ::setenv("CI", "true", 1);
  EXPECT_TRUE(in_ci());
  ::setenv("CI", "false", 1);
  EXPECT_FALSE(in_ci());
  if (before) {
    ::setenv("CI", saved.c_str(), 1);
  } else {
    ::unsetenv("CI");
  }
  EXPECT_EQ(missing_root("x").empty(), ::geteuid() == 0);
}

}  // namespace
}  // namespace th::test
