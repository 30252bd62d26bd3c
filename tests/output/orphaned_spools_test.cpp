// A webhook whose URL changed leaves its old spool behind (spools are keyed by URL): the alerts
// in it are reported, not silently kept.
#include "engine/output/orphaned_spools.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/output/output_manager.h"
#include "engine/output/spool.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

constexpr const char* kCurrentKey = "0123456789abcdef";
constexpr const char* kOldKey = "fedcba9876543210";

void spool_alerts(const std::string& dir, int n) {
  std::string err;
  auto s = Spool::open(dir, 1 << 20, err);
  ASSERT_TRUE(s) << err;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(s->append(alert_to_json(testing::make_alert(i, Priority::critical)),
                          Priority::critical)
                    .stored);
  s->sync();
}

double orphaned(Metrics& m) {
  return m.value("tracehound_spool_orphaned_alerts", {{"output", "sidekick"}});
}

TEST(OrphanedSpools, AlertsSpooledForAnEarlierUrlAreReportedWithTheirCountAndPlace) {
  testing::TempDir tmp;
  const std::string parent = tmp / "sidekick";
  spool_alerts(parent + "/" + kOldKey, 3);
  spool_alerts(parent + "/" + kCurrentKey, 5);  // the spool in use: not an orphan
  spool_alerts(parent + "/replay", 2);          // not a URL key: replay's own spools
  std::filesystem::create_directories(parent + "/aaaaaaaaaaaaaaaa");  // an empty one
  Metrics m;
  auto found = find_orphaned_spools(parent + "/" + kCurrentKey, "sidekick", m);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("3 alerts"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find(parent + "/" + kOldKey), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("'sidekick'"), std::string::npos) << found[0];
  EXPECT_EQ(orphaned(m), 3);
}

TEST(OrphanedSpools, NothingIsReportedOnceTheOldSpoolIsDelivered) {
  testing::TempDir tmp;
  const std::string parent = tmp / "sidekick";
  spool_alerts(parent + "/" + kOldKey, 4);
  {
    std::string err;
    auto s = Spool::open(parent + "/" + kOldKey, 1 << 20, err);
    ASSERT_TRUE(s) << err;
    s->consume(s->alerts());
  }
  Metrics m;
  EXPECT_TRUE(find_orphaned_spools(parent + "/" + kCurrentKey, "sidekick", m).empty());
  EXPECT_EQ(orphaned(m), 0);
}

TEST(OrphanedSpools, ASpoolAnotherProcessHoldsIsNotOpenedNorReported) {
  testing::TempDir tmp;
  const std::string parent = tmp / "sidekick";
  spool_alerts(parent + "/" + kOldKey, 2);
  std::string err;
  auto held = Spool::open(parent + "/" + kOldKey, 1 << 20, err);  // locked, as by a live owner
  ASSERT_TRUE(held) << err;
  Metrics m;
  EXPECT_TRUE(find_orphaned_spools(parent + "/" + kCurrentKey, "sidekick", m).empty());
  EXPECT_EQ(held->alerts(), 2u);
}

// The whole path: alerts spooled while the webhook was down, then the webhook re-pointed.
TEST(OrphanedSpools, AWebhookGivenANewUrlSaysWhatWaitsForTheOldOne) {
  testing::TempDir tmp;
  testing::RefusingPort down;
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.webhooks = {testing::fast_webhook("sidekick", down.url(), tmp / "spool")};
  {
    Diagnostics d;
    auto mgr = OutputManager::create(cfg, d, {&m});
    ASSERT_TRUE(mgr) << format_diagnostics_text(d);
    EXPECT_TRUE(mgr->notices().empty());
    for (int i = 0; i < 3; ++i) mgr->emit(testing::make_alert(i));
    mgr->shutdown(std::chrono::milliseconds(200));
  }
  testing::RefusingPort elsewhere;
  cfg.outputs.webhooks = {testing::fast_webhook("sidekick", elsewhere.url(), tmp / "spool")};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr) << format_diagnostics_text(d);
  ASSERT_EQ(mgr->notices().size(), 1u);
  EXPECT_NE(mgr->notices()[0].find("3 alerts"), std::string::npos) << mgr->notices()[0];
  EXPECT_EQ(orphaned(m), 3);
  mgr->shutdown(std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace th
