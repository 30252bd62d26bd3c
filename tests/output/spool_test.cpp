#include "engine/output/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/output/test_support.h"

namespace th {
namespace {

std::vector<std::string> lines(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back("{\"n\":" + std::to_string(1000 + i) + "}");
  return v;
}

std::vector<std::string> drain(Spool& s) {
  std::vector<std::string> out;
  for (auto batch = s.peek(7); !batch.empty(); batch = s.peek(7)) {
    out.insert(out.end(), batch.begin(), batch.end());
    s.consume(batch.size());
  }
  return out;
}

TEST(Spool, KeepsFifoOrderAcrossSegmentsAndReopen) {
  testing::TempDir tmp;
  std::string err;
  {
    auto s = Spool::open(tmp / "q", 1 << 20, err);
    ASSERT_TRUE(s) << err;
    EXPECT_EQ(s->append(lines(0, 100)), 100u);  // more than one segment
    EXPECT_EQ(s->append(lines(100, 130)), 30u);
    EXPECT_EQ(s->alerts(), 130u);
    auto first = s->peek(10);
    EXPECT_EQ(first, lines(0, 10));
    s->consume(10);
  }  // closed cleanly: the partly consumed segment is rewritten
  auto s = Spool::open(tmp / "q", 1 << 20, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->alerts(), 120u);
  EXPECT_EQ(drain(*s), lines(10, 130));
  EXPECT_TRUE(s->empty());
  EXPECT_EQ(s->bytes(), 0u);
  EXPECT_TRUE(std::filesystem::is_empty(tmp / "q"));
}

TEST(Spool, PrependGoesBeforeEverythingStored) {
  testing::TempDir tmp;
  std::string err;
  auto s = Spool::open(tmp / "q", 1 << 20, err);
  ASSERT_TRUE(s) << err;
  s->append(lines(10, 20));
  EXPECT_EQ(s->prepend(lines(0, 10)), 10u);
  s->append(lines(20, 25));
  EXPECT_EQ(drain(*s), lines(0, 25));
}

TEST(Spool, BoundedByBytesStoresAPrefixAndReportsIt) {
  testing::TempDir tmp;
  std::string err;
  auto one = lines(0, 1)[0].size() + 1;
  auto s = Spool::open(tmp / "q", one * 5, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->append(lines(0, 3)), 3u);
  EXPECT_EQ(s->append(lines(3, 9)), 2u);  // room for two more only
  EXPECT_EQ(s->prepend(lines(9, 10)), 0u);
  EXPECT_EQ(s->bytes(), one * 5);
  EXPECT_EQ(drain(*s), lines(0, 5));
}

TEST(Spool, FilesAre0600DirectoryIs0700AndLeftoverTempFilesGo) {
  testing::TempDir tmp;
  std::string err;
  {
    auto s = Spool::open(tmp / "q", 1 << 20, err);
    ASSERT_TRUE(s) << err;
    s->append(lines(0, 3));
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
  EXPECT_EQ(files, 1);
  std::ofstream(tmp / "q/.tmp-5") << "half a segm";  // a crash in the middle of a write
  auto s = Spool::open(tmp / "q", 1 << 20, err);
  ASSERT_TRUE(s) << err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "q/.tmp-5"));
  EXPECT_EQ(drain(*s), lines(0, 3));
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

TEST(Spool, UnusableDirectoryIsAnErrorNotACrash) {
  testing::TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  std::string err;
  auto s = Spool::open(tmp / "file/sub", 1 << 20, err);
  EXPECT_FALSE(s);
  EXPECT_NE(err.find("file/sub"), std::string::npos);
}

}  // namespace
}  // namespace th
