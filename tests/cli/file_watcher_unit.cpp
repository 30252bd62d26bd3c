// FileWatcher (watch_config_files) on real files: which changes start a reload, the quiet period,
// and editors' rename-over saves. Synchronised on the inotify descriptor, never on sleeps.
#include "engine/cli/file_watcher.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <time.h>

#include <filesystem>
#include <fstream>

namespace th::cli {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kQuietNs = 50'000'000;  // 50 ms

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("th_watch_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "rules.d");
    write(dir_ / "tracehound.yaml", "rules_files: []\n");
    write(dir_ / "other.yaml", "x\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Reads events until the watcher says a reload is due, or `timeout_ms` passes: true when due.
  static bool wait_due(FileWatcher& w, int timeout_ms = 5000) {
    uint64_t deadline = now_ns() + uint64_t(timeout_ms) * 1'000'000u;
    // One clock reading per turn: read again after the loop's check, the time left could be
    // past the deadline, and its unsigned difference a negative (endless) poll timeout.
    for (uint64_t now = now_ns(); now < deadline; now = now_ns()) {
      if (w.due(now)) return true;
      int wait = w.wait_ms(now);
      int left = int((deadline - now + 999'999u) / 1'000'000u);
      pollfd p{w.fd(), POLLIN, 0};
      if (poll(&p, 1, wait < 0 ? left : std::min(wait + 1, left)) > 0) w.read_events(now_ns());
    }
    return w.due(now_ns());
  }

  fs::path dir_;
};

TEST_F(FileWatcherTest, AnEditOfTheConfigIsDueOnceAfterTheQuietPeriod) {
  FileWatcher w({(dir_ / "tracehound.yaml").string(), (dir_ / "rules.d").string()}, kQuietNs);
  ASSERT_GE(w.fd(), 0);
  EXPECT_EQ(w.wait_ms(now_ns()), -1) << "nothing pending yet";
  write(dir_ / "tracehound.yaml", "rules_files: [a]\n");
  ASSERT_TRUE(wait_due(w));
  EXPECT_EQ(w.changed().count((dir_ / "tracehound.yaml").string()) +
                w.changed().count("tracehound.yaml"),
            1u);
  EXPECT_FALSE(w.due(now_ns())) << "one reload per burst";
}

TEST_F(FileWatcherTest, ANewFileInARulesFolderIsAChange) {
  FileWatcher w({(dir_ / "tracehound.yaml").string(), (dir_ / "rules.d").string()}, kQuietNs);
  write(dir_ / "rules.d" / "90_local.yaml", "- list: x\n  items: []\n");
  EXPECT_TRUE(wait_due(w));
}

// Editors and Kubernetes ConfigMaps save by renaming a new file over the old one.
TEST_F(FileWatcherTest, ARenameOverTheConfigIsAChangeAndTheWatchSurvivesIt) {
  FileWatcher w({(dir_ / "tracehound.yaml").string()}, kQuietNs);
  write(dir_ / ".tracehound.yaml.swp", "rules_files: [b]\n");
  fs::rename(dir_ / ".tracehound.yaml.swp", dir_ / "tracehound.yaml");
  ASSERT_TRUE(wait_due(w));
  write(dir_ / "tracehound.yaml", "rules_files: [c]\n");
  EXPECT_TRUE(wait_due(w)) << "still watched after the rename";
}

TEST_F(FileWatcherTest, OtherFilesInTheConfigFolderAreNotChanges) {
  FileWatcher w({(dir_ / "tracehound.yaml").string()}, kQuietNs);
  write(dir_ / "other.yaml", "y\n");
  EXPECT_FALSE(wait_due(w, 300)) << "other.yaml is not watched";
}

// A burst of writes (a `cp` of many files) is one reload, due only once the burst is over.
TEST_F(FileWatcherTest, ABurstOfChangesIsOneReload) {
  // A longer quiet period than the other tests: on a loaded host the 20 writes may be spread
  // over more than 50 ms, which would rightly be two bursts.
  FileWatcher w({(dir_ / "rules.d").string()}, 10 * kQuietNs);
  for (int i = 0; i < 20; ++i) write(dir_ / "rules.d" / ("r" + std::to_string(i) + ".yaml"), "[]\n");
  ASSERT_TRUE(wait_due(w));
  EXPECT_FALSE(wait_due(w, 1000)) << "the burst gave a second reload";
}

// A config file that does not exist yet is watched through its folder: creating it is seen.
TEST_F(FileWatcherTest, CreatingAMissingConfigIsAChange) {
  FileWatcher w({(dir_ / "later.yaml").string()}, kQuietNs);
  ASSERT_GE(w.fd(), 0);
  write(dir_ / "later.yaml", "rules_files: []\n");
  EXPECT_TRUE(wait_due(w));
}

}  // namespace
}  // namespace th::cli
