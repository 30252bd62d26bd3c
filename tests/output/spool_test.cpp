#include "engine/output/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>

#include "tests/output/test_support.h"

namespace th {
namespace {

std::string line_of(int i, Priority p = Priority::critical) {
  return alert_to_json(testing::make_alert(i, p));
}

std::vector<std::string> lines(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back(line_of(i));
  return v;
}

std::size_t append_all(Spool& s, const std::vector<std::string>& v) {
  std::size_t n = 0;
  for (const auto& l : v) n += s.append(l, alert_from_json(l)->priority).stored;
  return n;
}

std::vector<std::string> drain(Spool& s) {
  std::vector<std::string> out;
  for (auto batch = s.peek(7); !batch.empty(); batch = s.peek(7)) {
    out.insert(out.end(), batch.begin(), batch.end());
    s.consume(batch.size());
  }
  return out;
}

std::vector<int> seqs_of(const std::vector<std::string>& v) {
  std::vector<int> out;
  for (const auto& l : v) out.push_back(std::stoi(alert_from_json(l)->output_fields["seq"].get<std::string>()));
  return out;
}

TEST(Spool, KeepsFifoOrderAcrossSegmentsAndReopen) {
  testing::TempDir tmp;
  std::string err;
  const int kMany = 2 * static_cast<int>(Spool::kSegmentAlerts) + 30;  // three segments
  {
    auto s = Spool::open(tmp / "q", 1 << 24, err);
    ASSERT_TRUE(s) << err;
    EXPECT_EQ(append_all(*s, lines(0, kMany)), static_cast<std::size_t>(kMany));
    EXPECT_EQ(s->alerts(), static_cast<std::size_t>(kMany));
    auto first = s->peek(10);
    EXPECT_EQ(first, lines(0, 10));
    s->consume(10);
  }
  auto s = Spool::open(tmp / "q", 1 << 24, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->alerts(), static_cast<std::size_t>(kMany - 10));
  EXPECT_EQ(drain(*s), lines(10, kMany));
  EXPECT_TRUE(s->empty());
  EXPECT_EQ(s->bytes(), 0u);
  s.reset();
  EXPECT_TRUE(std::filesystem::is_empty(tmp / "q"));  // nothing left, nothing on disk
}

// A process that dies without any cleanup (as SIGKILL leaves it): what it appended is there,
// what it consumed is not delivered again, and a write cut short leaves no alert behind.
TEST(Spool, AppendedAlertsSurviveAnAbruptExitAndConsumedOnesStayDelivered) {
  testing::TempDir tmp;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string e;
    auto s = Spool::open(tmp / "q", 1 << 24, e);
    if (!s) std::_Exit(3);
    if (append_all(*s, lines(0, 300)) != 300) std::_Exit(4);
    s->peek(5);
    s->consume(5);
    s->peek(3);  // in flight when the process dies: delivered again
    std::_Exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // The newest segment ends in a torn line, as a write cut short by a kill leaves it.
  std::string newest;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "q"))
    if (e.path().extension() == ".jsonl" && e.path().string() > newest) newest = e.path();
  ASSERT_FALSE(newest.empty());
  std::ofstream(newest, std::ios::app) << line_of(999).substr(0, 40);
  std::string err;
  auto s = Spool::open(tmp / "q", 1 << 24, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->damaged_at_open(), 0u);
  EXPECT_EQ(drain(*s), lines(5, 300));
}

TEST(Spool, BoundedByBytesStoresWhatFitsAndRefusesTheRest) {
  testing::TempDir tmp;
  std::string err;
  auto one = line_of(0).size() + 1;
  auto s = Spool::open(tmp / "q", one * 5, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(append_all(*s, lines(0, 3)), 3u);
  EXPECT_EQ(append_all(*s, lines(3, 9)), 2u);  // room for two more only: equal priority
  auto refused = s->append(line_of(9), Priority::critical);
  EXPECT_FALSE(refused.stored);
  EXPECT_EQ(refused.error, 0);  // full, not an I/O error
  EXPECT_TRUE(refused.evicted.empty());
  EXPECT_EQ(s->bytes(), one * 5);
  EXPECT_EQ(drain(*s), lines(0, 5));
}

TEST(Spool, WhenFullTheLeastSevereGoFirstNeverTheInFlightOnes) {
  testing::TempDir tmp;
  std::string err;
  auto one = line_of(0).size() + 1;
  auto s = Spool::open(tmp / "q", one * 6, err);
  ASSERT_TRUE(s) << err;
  // Priorities whose names have the same length, so that every line has the same size.
  // 0: debug (in flight), 1: error, 2: debug, 3: alert, 4: debug, 5: error
  const Priority prio[] = {Priority::debug, Priority::error, Priority::debug,
                           Priority::alert, Priority::debug, Priority::error};
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s->append(line_of(i, prio[i]), prio[i]).stored);
  ASSERT_EQ(s->peek(1).size(), 1u);
  // An alert-priority newcomer evicts the oldest debug alert that is not in flight (2), only as
  // much as it needs.
  auto a = s->append(line_of(6, Priority::alert), Priority::alert);
  ASSERT_TRUE(a.stored);
  EXPECT_EQ(seqs_of(a.evicted), (std::vector<int>{2}));
  // An error newcomer evicts the other debug one (4); the next finds only the in-flight debug
  // alert less severe than itself: refused.
  ASSERT_EQ(seqs_of(s->append(line_of(7, Priority::error), Priority::error).evicted),
            (std::vector<int>{4}));
  auto b = s->append(line_of(8, Priority::error), Priority::error);
  EXPECT_FALSE(b.stored);
  EXPECT_TRUE(b.evicted.empty());
  // An alert-priority newcomer evicts the oldest error.
  auto c = s->append(line_of(9, Priority::alert), Priority::alert);
  ASSERT_TRUE(c.stored);
  EXPECT_EQ(seqs_of(c.evicted), (std::vector<int>{1}));
  s->consume(1);
  EXPECT_EQ(seqs_of(drain(*s)), (std::vector<int>{3, 5, 6, 7, 9}));
  // After a reopen the bookkeeping matches what is on disk.
  s.reset();
  s = Spool::open(tmp / "q", one * 6, err);
  ASSERT_TRUE(s) << err;
  EXPECT_TRUE(s->empty());
}

TEST(Spool, EvictionSurvivesReopenAndKeepsTheCursorRight) {
  testing::TempDir tmp;
  std::string err;
  auto one = line_of(0).size() + 1;
  {
    auto s = Spool::open(tmp / "q", one * 4, err);
    ASSERT_TRUE(s) << err;
    for (int i = 0; i < 4; ++i)
      s->append(line_of(i, i % 2 ? Priority::debug : Priority::alert),
                i % 2 ? Priority::debug : Priority::alert);
    s->peek(1);
    s->consume(1);  // 0 delivered
    ASSERT_TRUE(s->append(line_of(4, Priority::alert), Priority::alert).stored);
    // Full: the front segment is rewritten without 0 (delivered) and 1 (evicted).
    auto a = s->append(line_of(5, Priority::alert), Priority::alert);
    ASSERT_TRUE(a.stored);
    EXPECT_EQ(seqs_of(a.evicted), (std::vector<int>{1}));
  }
  auto s = Spool::open(tmp / "q", one * 4, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(seqs_of(drain(*s)), (std::vector<int>{2, 3, 4, 5}));
}

TEST(Spool, FilesAre0600DirectoryIs0700AndLeftoverTempFilesGo) {
  testing::TempDir tmp;
  std::string err;
  {
    auto s = Spool::open(tmp / "q", 1 << 20, err);
    ASSERT_TRUE(s) << err;
    append_all(*s, lines(0, 3));
  }
  struct stat st {};
  ASSERT_EQ(::stat((tmp / "q").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "q")) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
    ++files;
  }
  EXPECT_EQ(files, 2);  // one segment and the cursor
  std::ofstream(tmp / "q/.tmp-5") << "half a segm";  // a crash in the middle of a rewrite
  auto s = Spool::open(tmp / "q", 1 << 20, err);
  ASSERT_TRUE(s) << err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "q/.tmp-5"));
  EXPECT_EQ(drain(*s), lines(0, 3));
}

TEST(Spool, DamagedLinesAreCountedAndSkipped) {
  testing::TempDir tmp;
  std::filesystem::create_directories(tmp / "q");
  std::ofstream(tmp / "q/00000000004294967296.jsonl")
      << line_of(0) << "\nnot an alert\n{\"rule\":1}\n" << line_of(1) << "\n";
  std::string err;
  auto s = Spool::open(tmp / "q", 1 << 20, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->damaged_at_open(), 2u);
  EXPECT_EQ(drain(*s), lines(0, 2));
}

TEST(Spool, OneOwnerPerDirectory) {
  testing::TempDir tmp;
  std::string err;
  auto first = Spool::open(tmp / "q", 1 << 20, err);
  ASSERT_TRUE(first) << err;
  EXPECT_FALSE(Spool::open(tmp / "q", 1 << 20, err));
  EXPECT_NE(err.find("in use"), std::string::npos) << err;
  first.reset();
  EXPECT_TRUE(Spool::open(tmp / "q", 1 << 20, err)) << err;
}

TEST(Spool, UnusableOrSymlinkedDirectoryIsAnErrorNotACrash) {
  testing::TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  std::string err;
  auto s = Spool::open(tmp / "file/sub", 1 << 20, err);
  EXPECT_FALSE(s);
  EXPECT_NE(err.find("file/sub"), std::string::npos);
  std::filesystem::create_directories(tmp / "real");
  std::filesystem::create_directory_symlink(tmp / "real", tmp / "link");
  EXPECT_FALSE(Spool::open(tmp / "link", 1 << 20, err));
  EXPECT_NE(err.find("symbolic link"), std::string::npos) << err;
}

}  // namespace
}  // namespace th
