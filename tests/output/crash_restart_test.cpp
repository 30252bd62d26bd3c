// A crash loses nothing that was accepted for a webhook. Two ways of dying without a clean
// shutdown: this test binary run again as a child that emits into a webhook that is down and
// exits at once (no destructors), and the tracehound command itself killed with SIGKILL while
// it holds accepted alerts. A new start on the same spool delivers every one of them.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/output/output_manager.h"
#include "engine/output/webhook_output.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

constexpr int kCrashAlerts = 25;
constexpr const char* kHelperEnv = "TH_OUTPUT_TEST_CRASH_HELPER";  // "<spool dir>|<url>"

WebhookConfig crash_webhook(const std::string& spool, const std::string& url) {
  auto w = testing::fast_webhook("crashy", url, spool);
  w.queue_size = 1;
  return w;
}

// The child: emits while the first alert is in flight (being retried), and dies at once without
// shutting down: every emit() that returned is on disk.
[[noreturn]] void crash_helper(const std::string& arg) {
  auto bar = arg.find('|');
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.webhooks = {crash_webhook(arg.substr(0, bar), arg.substr(bar + 1))};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  if (!mgr) std::_Exit(3);
  Labels l = {{"output", "crashy"}};
  mgr->emit(testing::make_alert(0));
  if (!testing::eventually([&] { return m.value("tracehound_output_retried_total", l) >= 1; }))
    std::_Exit(4);
  for (int i = 1; i < kCrashAlerts; ++i) mgr->emit(testing::make_alert(i));
  if (m.value("tracehound_output_dropped_total", l) != 0) std::_Exit(5);
  std::_Exit(0);  // no destructors, no shutdown, no flush: as if killed
}

// Runs before gtest's main when this binary is started as the helper.
const bool kIsHelper = [] {
  if (const char* arg = std::getenv(kHelperEnv)) crash_helper(arg);
  return false;
}();

TEST(SpoolAfterCrash, EveryAlertEmittedBeforeAnAbruptExitIsDeliveredByTheNextStart) {
  testing::TempDir tmp;
  testing::RefusingPort down;
  const std::string spool = tmp / "spool";
  pid_t pid = testing::spawn_process(
      {"/proc/self/exe"}, {.env = {std::string(kHelperEnv) + "=" + spool + "|" + down.url()}});
  ASSERT_GT(pid, 0);
  int status = testing::wait_status(pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the helper process failed at step " << WEXITSTATUS(status);

  down.release();
  testing::Receiver rx;
  ASSERT_TRUE(rx.start(down.port()));
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.webhooks = {crash_webhook(spool, rx.url())};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr) << format_diagnostics_text(d);
  Labels l = {{"output", "crashy"}};
  ASSERT_TRUE(testing::eventually(
      [&] { return m.value("tracehound_output_delivered_total", l) == kCrashAlerts; }));
  mgr->shutdown();
  mgr.reset();
  // Everything arrives, in order, the alert that was in flight when the process died included.
  std::vector<std::string> expected;
  for (int i = 0; i < kCrashAlerts; ++i) expected.push_back(alert_to_json(testing::make_alert(i)));
  EXPECT_EQ(testing::without_uuid(rx.accepted_bodies()), expected);
  EXPECT_EQ(m.value("tracehound_output_dropped_total", l), 0);
}

// uuid -> how many times the receiver accepted it.
std::map<std::string, int> accepted_ids(const testing::Receiver& rx) {
  std::map<std::string, int> ids;
  for (const auto& b : rx.accepted_bodies()) ++ids[nlohmann::json::parse(b).at("uuid").get<std::string>()];
  return ids;
}

// The uuids of the complete alert lines in the spool's segment files, as the kill left them.
std::set<std::string> spooled_ids(const std::string& root) {
  std::set<std::string> ids;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root, ec))
    if (e.path().extension() == ".jsonl")
      for (const auto& line : testing::read_lines(e.path()))
        if (auto a = alert_from_json(line)) ids.insert(a->uuid);
  return ids;
}

TEST(SpoolAfterCrash, TracehoundKilledWithAcceptedAlertsDeliversThemAfterTheRestart) {
  testing::TempDir tmp;
  testing::RefusingPort down;
  constexpr int kEvents = 2000;
  {
    std::ofstream ev(tmp / "events.jsonl");
    for (int i = 0; i < kEvents; ++i)
      ev << R"({"type":"ptrace","proc":{"pid":)" << 10000 + i
         << R"(,"name":"inject"},"ptrace":{"request":"PTRACE_ATTACH","pid":5000}})" << "\n";
  }
  std::ofstream(tmp / "empty.jsonl").flush();
  // A long drain: with the webhook down, replay waits there, holding every alert accepted.
  std::ofstream(tmp / "tracehound.yaml") << "drain_timeout: 120s\noutputs:\n  spool_dir: "
                                         << tmp / "spool" << "\n  stdout: {enabled: false}\n";
  const std::string rules = std::string(TH_SOURCE_DIR) + "/tests/data/falco/falco_ptrace_rules.yaml";
  auto replay = [&](const std::string& url, const std::string& events) {
    return testing::spawn_process({TH_TRACEHOUND, "replay", "--config", tmp / "tracehound.yaml",
                                   "--no-fold", "--rules", rules, "--webhook", url, events},
                                  {.stdout_path = "/dev/null"});
  };

  pid_t pid = replay(down.url(), tmp / "events.jsonl");
  ASSERT_GT(pid, 0);
  // Kill it once alerts are accepted (mid-stream or in the drain, whichever it reached).
  ASSERT_TRUE(testing::eventually([&] { return spooled_ids(tmp / "spool").size() >= 200; }))
      << "replay accepted no alerts for the webhook";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = testing::wait_status(pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  const std::set<std::string> accepted = spooled_ids(tmp / "spool");
  ASSERT_GE(accepted.size(), 200u);

  // The receiver comes up; tracehound starts again with the same destination.
  down.release();
  testing::Receiver rx;
  ASSERT_TRUE(rx.start(down.port()));
  pid = replay(rx.url(), tmp / "empty.jsonl");
  ASSERT_GT(pid, 0);
  status = testing::wait_status(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);  // everything delivered: nothing lost, nothing left

  auto got = accepted_ids(rx);
  for (const auto& id : accepted) EXPECT_EQ(got.count(id), 1u) << "alert " << id << " was lost";
  // Duplicates: at most the batch in flight at the kill (batch.max_alerts = 1); the webhook was
  // down, so none was delivered before it.
  int duplicates = 0;
  for (const auto& [id, n] : got) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(got.size(), accepted.size());
}

}  // namespace
}  // namespace th
