// Live, with the default ruleset: descriptors taken from another process with pidfd_getfd. A
// process memory file's descriptor taken by a binary that is not a debugger is an ERROR naming
// the taker, the process it took it from and whose memory the file is; the write that follows
// names the taker too. Taking an ordinary descriptor (a pipe) from one's own child stays quiet.
#include <gtest/gtest.h>

#include <set>

#include "default_rules_fixture.h"

namespace e2e {
namespace {

const char* const kTaken = "Memory file descriptor taken from another process";
const char* const kWritten = "Memory file of another process written";

class FdTake : public DefaultRulesTest {
 protected:
  void expect_taken_and_written(const std::vector<std::string>& options) {
    Victim v;
    std::vector<std::string> argv = {attack_program("write_mem_fd"), std::to_string(v.pid()),
                                     "--via", "pidfd"};
    argv.insert(argv.end(), options.begin(), options.end());
    auto r = run_attack(argv);
    std::string what = r.dump();
    int64_t taker = r["writer_pid"], opener = r["opener_pid"];
    ASSERT_NE(taker, opener) << what;
    auto taken = find(kTaken, taker, opener);
    ASSERT_TRUE(taken) << what << "\n" << dump_alerts();
    EXPECT_EQ((*taken)["priority"], "Error") << what;
    EXPECT_EQ(field_str(*taken, "proc.exepath"), attack_program("write_mem_fd"));
    EXPECT_EQ(field_int(*taken, "getfd.mem_pid"), v.pid()) << what;
    EXPECT_EQ(field_int(*taken, "getfd.target_fd"), r["remote_fd"].get<int64_t>()) << what;
    EXPECT_EQ(field_int(*taken, "fd.num"), r["fd"].get<int64_t>()) << what;
    EXPECT_EQ(field_str(*taken, "fd.name"), "/proc/" + std::to_string(v.pid()) + "/mem");
    // The write through the taken descriptor names the taker, not the opener.
    auto written = find(kWritten, taker, v.pid());
    ASSERT_TRUE(written) << what << "\n" << dump_alerts();
    EXPECT_EQ((*written)["priority"], "Critical");
    EXPECT_EQ(field_str(*written, "proc.exepath"), attack_program("write_mem_fd"));
    for (const auto& a : th_->alerts()) {
      EXPECT_FALSE(a["rule"] == kWritten && field_int(a, "proc.pid") == opener) << a["output"];
    }
    EXPECT_EQ(v.finish(), 0);
  }
};

TEST_F(FdTake, MemoryFileDescriptorTakenFromTheOpener) { expect_taken_and_written({}); }

// pidfd_getfd through the ia32 entry (int 0x80) from 64-bit code: the same event.
TEST_F(FdTake, MemoryFileDescriptorTakenThroughInt80) { expect_taken_and_written({"--ia32"}); }

// The benign case, with the default ruleset plus an observer rule at INFORMATIONAL that shows the
// probe saw the take and what it took: nothing else about the taker or its child may rise above
// INFORMATIONAL.
class FdTakeBenign : public ::testing::Test {
 protected:
  void SetUp() override {
    E2E_REQUIRE_LIVE();
    th_ = std::make_unique<Tracehound>(Tracehound::Options{
        .rules_files = {std::string(TH_SOURCE_DIR) + "/rules"},
        .rules_yaml = R"(
- rule: e2e descriptor taken
  desc: every pidfd_getfd
  condition: evt.type = pidfd_getfd
  output: "taken | %proc.pid %target.pid %fd.name %fd.num %getfd.target_fd %getfd.is_mem_file %evt.rawres"
  priority: INFORMATIONAL
  fold: false
)"});
    ASSERT_TRUE(th_->ready()) << th_->log();
  }
  void TearDown() override {
    if (!th_) return;
    int rc = th_->stop();
    EXPECT_EQ(rc, 0) << th_->log();
  }
  void expect_quiet_take(const std::vector<std::string>& options) {
    std::vector<std::string> argv = {attack_program("take_fd")};
    argv.insert(argv.end(), options.begin(), options.end());
    auto r = run_attack(argv);
    int64_t taker = r["taker_pid"], child = r["child_pid"];
    auto seen = th_->wait_for([&](const json& a) {
      return a["rule"] == "e2e descriptor taken" && field_int(a, "proc.pid") == taker;
    });
    ASSERT_TRUE(seen) << r.dump();
    EXPECT_EQ(field_int(*seen, "target.pid"), child);
    EXPECT_EQ(field_str(*seen, "getfd.is_mem_file"), "false");
    EXPECT_EQ(field_int(*seen, "getfd.target_fd"), r["remote_fd"].get<int64_t>());
    EXPECT_EQ(field_int(*seen, "fd.num"), r["fd"].get<int64_t>());
    EXPECT_EQ(field_str(*seen, "fd.name").rfind("pipe:", 0), 0u) << field_str(*seen, "fd.name");
    th_->settle();
    const std::set<std::string> above_info = {"Emergency", "Alert", "Critical", "Error",
                                              "Warning", "Notice"};
    for (const auto& a : th_->alerts()) {
      if (field_int(a, "proc.pid") != taker && field_int(a, "proc.pid") != child) continue;
      EXPECT_FALSE(above_info.count(a["priority"].get<std::string>())) << a["output"];
    }
  }
  std::unique_ptr<Tracehound> th_;
};

TEST_F(FdTakeBenign, PipeTakenFromOwnChild) { expect_quiet_take({}); }
TEST_F(FdTakeBenign, PipeTakenFromOwnChildThroughInt80) { expect_quiet_take({"--ia32"}); }

}  // namespace
}  // namespace e2e
