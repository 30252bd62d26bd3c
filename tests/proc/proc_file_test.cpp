// Reading /proc files of processes that vanish: the reaped child's files fail to read (ESRCH),
// which must come back as "nothing", never as an exception (std::ifstream throws there).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/proc/proc_file.h"
#include "support/temp.h"

namespace th {
namespace {

// A child that waits to be killed; reaped by reap().
class Sleeper {
 public:
  Sleeper() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~Sleeper() { reap(); }
  pid_t pid() const { return pid_; }
  void reap() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

std::string stat_path(pid_t pid) { return "/proc/" + std::to_string(pid) + "/stat"; }

TEST(ProcFile, ReadsALiveProcess) {
  Sleeper s;
  ASSERT_GT(s.pid(), 0);
  auto text = read_whole_file(stat_path(s.pid()), 4096);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->rfind(std::to_string(s.pid()) + " (", 0), 0u) << *text;
  char state = process_state("/proc", s.pid());
  EXPECT_TRUE(state == 'S' || state == 'R') << state;
}

// The race the enforcement reporter met: the file was opened, then its process was reaped.
TEST(ProcFile, AProcessReapedAfterTheOpenReadsAsNothing) {
  Sleeper s;
  ASSERT_GT(s.pid(), 0);
  int fd = ::open(stat_path(s.pid()).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  s.reap();
  EXPECT_FALSE(read_whole_fd(fd, 4096));
  ::close(fd);
}

// What std::ifstream does with that same race (the reason these readers exist); if a library
// update stops throwing, this test says so and the comment in proc_file.h can go.
TEST(ProcFile, IfstreamThrowsOnTheSameRace) {
  Sleeper s;
  ASSERT_GT(s.pid(), 0);
  std::ifstream in(stat_path(s.pid()));
  ASSERT_TRUE(in.is_open());
  s.reap();
  EXPECT_ANY_THROW({
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  });
}

TEST(ProcFile, AGoneProcessHasNoState) {
  pid_t pid;
  {
    Sleeper s;
    pid = s.pid();
  }
  EXPECT_EQ(process_state("/proc", pid), 0);
  EXPECT_FALSE(read_whole_file(stat_path(pid), 4096));
}

// The command name may hold anything, parentheses and spaces included: the state is after the
// last ')'. A stat cut short has none.
TEST(ProcFile, StateIsReadAfterTheLastParenthesis) {
  th::test::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/42");
  struct Case {
    std::string stat;
    char want;
  };
  for (const Case& c : {Case{"42 (a) b) T 1 2", 'T'}, Case{"42 (x (y)) Z 1", 'Z'},
                        Case{"42 (cut", 0}, Case{"42 (a)", 0}, Case{"", 0}}) {
    std::ofstream(dir.path() + "/42/stat") << c.stat;
    EXPECT_EQ(process_state(dir.path(), 42), c.want) << c.stat;
  }
}

TEST(ProcFile, ReadsAreCappedAndMissingFilesAreNothing) {
  th::test::TempDir dir;
  std::ofstream(dir.path() + "/f") << std::string(10000, 'x');
  auto text = read_whole_file(dir.path() + "/f", 5000);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->size(), 5000u);
  EXPECT_FALSE(read_whole_file(dir.path() + "/missing", 10));
}

}  // namespace
}  // namespace th
