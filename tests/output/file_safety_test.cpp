// The alert file against a full disk (a real tmpfs filled to the last page) and planted files
// (symbolic links, FIFOs): never a partial line, every alert not written counted, a planted link
// refused with the reason, at start and at the SIGUSR1 reopen.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/output/output_manager.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::make_alert;

class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& dir, const char* size) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    ok_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, (std::string("size=") + size).c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (ok_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }

 private:
  std::string dir_;
  bool ok_ = false;
};

// Writes to `path` until the file system is full; true when it is.
bool fill(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return false;
  char block[512] = {0};
  bool full = false;
  for (int i = 0; i < 100000 && !full; ++i)
    full = ::write(fd, block, sizeof block) < 0 && errno == ENOSPC;
  ::close(fd);
  return full;
}

TEST(FileOutput, AFullDiskNeverLeavesAPartialLineAndEveryLossIsCounted) {
  TH_REQUIRE_ROOT();
  testing::TempDir tmp;
  SmallTmpfs fs(tmp / "mnt", "32k");
  ASSERT_TRUE(fs.ok()) << "mount tmpfs: " << std::strerror(errno);
  const std::string path = tmp / "mnt/alerts.jsonl";
  Metrics m;
  auto mgr = testing::manager_for(testing::with_file(path), m);
  ASSERT_TRUE(mgr);
  Labels l = {{"output", "file"}};
  auto settled = [&](double n) {
    return eventually([&] {
      return m.value("tracehound_output_delivered_total", l) +
                 m.value("tracehound_output_dropped_total", l) == n;
    });
  };
  int emitted = 0;
  for (; emitted < 40; ++emitted) mgr->emit(make_alert(emitted));
  ASSERT_TRUE(settled(emitted));
  ASSERT_EQ(m.value("tracehound_output_dropped_total", l), 0);
  // The disk fills up; alerts keep coming: some fit in the file's last page, one is cut short
  // by ENOSPC, the rest fail at once.
  ASSERT_TRUE(fill(tmp / "mnt/filler"));
  for (; emitted < 60; ++emitted) mgr->emit(make_alert(emitted));
  ASSERT_TRUE(settled(emitted));
  EXPECT_GT(m.value("tracehound_output_dropped_total", l), 0);
  auto problems = mgr->output_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("No space left on device"), std::string::npos) << problems[0];
  // Space comes back: the next alerts are written, each on a line of its own.
  std::filesystem::remove(tmp / "mnt/filler");
  for (; emitted < 65; ++emitted) mgr->emit(make_alert(emitted));
  ASSERT_TRUE(settled(emitted));
  mgr->shutdown(5s);
  EXPECT_TRUE(mgr->output_problems().empty());

  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back(), '\n');
  auto lines = testing::read_lines(path);
  for (const auto& line : lines) EXPECT_TRUE(alert_from_json(line).has_value()) << line;
  EXPECT_EQ(static_cast<double>(lines.size()), m.value("tracehound_output_delivered_total", l));
  EXPECT_EQ(static_cast<double>(lines.size()) + m.value("tracehound_output_dropped_total", l),
            emitted);
  EXPECT_EQ(alert_from_json(lines.back())->output_fields["seq"], "000064");
}

TEST(FileOutput, APlantedSymlinkIsRefusedAtStartAndAtReopen) {
  testing::TempDir tmp;
  const std::string path = tmp / "alerts.jsonl", victim = tmp / "victim";
  std::ofstream(victim) << "root only\n";
  std::filesystem::create_symlink(victim, path);
  Config cfg = testing::quiet_config();
  cfg.outputs.file = {true, path};
  Diagnostics d;
  EXPECT_FALSE(OutputManager::create(cfg, d));
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].code, "TH-O-FILE");
  EXPECT_NE(d.items()[0].message.find("symbolic link"), std::string::npos) << d.items()[0].message;

  // A real file first; logrotate moves it away and, before SIGUSR1, a link is planted.
  std::filesystem::remove(path);
  Metrics m;
  Diagnostics d2;
  auto mgr = OutputManager::create(cfg, d2, {&m});
  ASSERT_TRUE(mgr) << format_diagnostics_text(d2);
  mgr->emit(make_alert(1));
  Labels l = {{"output", "file"}};
  ASSERT_TRUE(eventually([&] { return m.value("tracehound_output_delivered_total", l) == 1; }));
  std::filesystem::rename(path, path + ".1");
  std::filesystem::create_symlink(victim, path);
  mgr->reopen();
  ASSERT_TRUE(eventually([&] { return !mgr->output_problems().empty(); }));
  EXPECT_NE(mgr->output_problems()[0].find("symbolic link"), std::string::npos)
      << mgr->output_problems()[0];
  mgr->emit(make_alert(2));
  ASSERT_TRUE(eventually([&] { return m.value("tracehound_output_dropped_total", l) == 1; }));
  mgr->shutdown(5s);
  EXPECT_EQ(testing::read_lines(victim), std::vector<std::string>{"root only"});
}

TEST(FileOutput, APlantedFifoIsRefusedNotWaitedOn) {
  testing::TempDir tmp;
  const std::string path = tmp / "alerts.jsonl";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  Config cfg = testing::quiet_config();
  cfg.outputs.file = {true, path};
  Diagnostics d;
  EXPECT_FALSE(OutputManager::create(cfg, d));  // returns: no reader needed to find out
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_NE(d.items()[0].message.find("not a regular file"), std::string::npos)
      << d.items()[0].message;
}

}  // namespace
}  // namespace th
