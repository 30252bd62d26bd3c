// `capture -o` run as root must not be turned against root by a file planted in a world-writable
// sticky directory (/tmp) by an unprivileged user: a symbolic link (to a root-only file), a
// file of that user, a FIFO. Each is refused before anything is written, with the reason and
// errno; the planted link's target is untouched. The planting process really runs as nobody.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "cli_support.h"

namespace {

using cli_test::run;
using cli_test::slurp;
namespace fs = std::filesystem;

class CaptureFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/th-cli-sticky-" + std::to_string(getpid());  // outside the 0700 temp dir
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::all | fs::perms::sticky_bit);
    secret_ = cli_test::temp_path("root-only");
    std::ofstream(secret_) << "root secret\n";
    ::chmod(secret_.c_str(), 0600);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    std::remove(secret_.c_str());
  }
  // Runs a shell command as nobody (uid and gid 65534, no supplementary groups).
  static int as_nobody(const std::string& command) {
    std::string cmd = "setpriv --reuid=65534 --regid=65534 --clear-groups sh -c '" + command + "'";
    return std::system(cmd.c_str());
  }
  std::string dir_, secret_;
};

TEST_F(CaptureFile, RefusesASymlinkPlantedByAnotherUser) {
  TH_REQUIRE_OR_SKIP(th::test::missing_root("planting files as user nobody"));
  std::string out = dir_ + "/capture.jsonl";
  ASSERT_EQ(as_nobody("ln -s " + secret_ + " " + out), 0);
  struct stat st {};
  ASSERT_EQ(lstat(out.c_str(), &st), 0);
  ASSERT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(st.st_uid, 65534u) << "planted by nobody";
  auto r = run("capture -o " + out + " --duration 1");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("refusing to follow a symbolic link"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ELOOP"), std::string::npos) << "the errno is named\n" << r.err;
  EXPECT_EQ(slurp(secret_), "root secret\n") << "the link's target is untouched";
}

TEST_F(CaptureFile, RefusesADanglingSymlink) {
  TH_REQUIRE_OR_SKIP(th::test::missing_root("planting files as user nobody"));
  std::string out = dir_ + "/capture.jsonl";
  std::string target = dir_ + "/would-be-created";
  ASSERT_EQ(as_nobody("ln -s " + target + " " + out), 0);
  auto r = run("capture -o " + out + " --duration 1");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("ELOOP"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(target)) << "nothing is created through the link";
}

TEST_F(CaptureFile, RefusesAFileOfAnotherUserAndAFifo) {
  TH_REQUIRE_OR_SKIP(th::test::missing_root("planting files as user nobody"));
  std::string mine = dir_ + "/theirs.jsonl";
  ASSERT_EQ(as_nobody("echo planted > " + mine), 0);
  auto r = run("capture -o " + mine + " --duration 1");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("belongs to another user (uid 65534)"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(mine), "planted\n");

  std::string fifo = dir_ + "/fifo.jsonl";
  ASSERT_EQ(as_nobody("mkfifo " + fifo), 0);
  auto f = run("capture -o " + fifo + " --duration 1");
  EXPECT_EQ(f.status, 2) << f.err;
  EXPECT_NE(f.err.find(fifo), std::string::npos) << f.err;
}

}  // namespace
