// The spool survives tracehound dying without a clean shutdown (kill -9, power loss): this test
// runs itself again as a child process that emits alerts into a webhook that is down and then
// exits at once, without shutdown; a new OutputManager on the same spool delivers them.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>

#include "engine/output/output_manager.h"
#include "engine/output/webhook_output.h"
#include "tests/output/test_support.h"

extern char** environ;

namespace th {
namespace {

constexpr int kCrashAlerts = 25;
constexpr const char* kHelperEnv = "TH_OUTPUT_TEST_CRASH_HELPER";  // "<spool dir>|<url>"

WebhookConfig crash_webhook(const std::string& spool, const std::string& url) {
  auto w = testing::fast_webhook("crashy", url, spool);
  w.queue_size = 1;  // every alert but the one in flight goes to the spool at once
  return w;
}

// The child: emits, waits until the alerts are on disk, and dies without shutting down. Exits 0
// when alert 0 was in flight from memory (lost with the process), 1 when the spooler had
// already put it in the spool (so it survives too); 3 and up when something went wrong.
[[noreturn]] void crash_helper(const std::string& arg) {
  auto bar = arg.find('|');
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.webhooks = {crash_webhook(arg.substr(0, bar), arg.substr(bar + 1))};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  if (!mgr) std::_Exit(3);
  auto* out = dynamic_cast<WebhookOutput*>(mgr->outputs().front().get());
  Labels l = {{"output", "crashy"}};
  mgr->emit(testing::make_alert(0));
  if (!testing::eventually([&] { return m.value("tracehound_output_retried_total", l) >= 1; }))
    std::_Exit(4);
  const int base = static_cast<int>(m.value("tracehound_output_spooled_total", l));
  for (int i = 1; i < kCrashAlerts; ++i) {
    mgr->emit(testing::make_alert(i));
    if (!testing::eventually(
            [&] { return m.value("tracehound_output_spooled_total", l) == base + i; }))
      std::_Exit(5);
  }
  if (out->spooled_pending() != static_cast<std::size_t>(kCrashAlerts - 1 + base)) std::_Exit(6);
  if (m.value("tracehound_output_dropped_total", l) != 0) std::_Exit(7);
  std::_Exit(base);  // no destructors, no shutdown, no flush: as if killed
}

// Runs before gtest's main when this binary is started as the helper.
const bool kIsHelper = [] {
  if (const char* arg = std::getenv(kHelperEnv)) crash_helper(arg);
  return false;
}();

TEST(SpoolAfterCrash, AlertsSpooledBeforeAnAbruptExitAreDeliveredByTheNextStart) {
  testing::TempDir tmp;
  testing::RefusingPort down;
  const std::string spool = tmp / "spool";

  std::string env = std::string(kHelperEnv) + "=" + spool + "|" + down.url();
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(env.data());
  envp.push_back(nullptr);
  char self[] = "/proc/self/exe";
  char* argv[] = {self, nullptr};
  pid_t pid;
  ASSERT_EQ(::posix_spawn(&pid, self, nullptr, nullptr, argv, envp.data()), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  const int first = WEXITSTATUS(status);  // 0 or 1: the first alert on disk
  ASSERT_LE(first, 1) << "the helper process failed at step " << first;

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
      [&] { return m.value("tracehound_output_delivered_total", l) == kCrashAlerts - 1 + first; }));
  mgr->shutdown();
  mgr.reset();
  // What was on disk arrives, in order. An alert that was only in memory (in flight) when the
  // process died is the documented loss of an unclean stop.
  std::vector<std::string> expected;
  for (int i = first ? 0 : 1; i < kCrashAlerts; ++i) expected.push_back(alert_to_json(testing::make_alert(i)));
  EXPECT_EQ(rx.accepted_bodies(), expected);
  EXPECT_EQ(m.value("tracehound_output_dropped_total", l), 0);
}

}  // namespace
}  // namespace th
