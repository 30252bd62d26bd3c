// Webhook delivery against real HTTP receivers on loopback: every counter is checked against
// what the receiver logged.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "engine/output/output_manager.h"
#include "engine/output/webhook_output.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::make_alert;
using testing::Receiver;
using testing::Reply;

struct Counts {
  double delivered, retried, rejected, spooled, dropped;
};
Counts counts(const Metrics& m, const std::string& out) {
  Labels l = {{"output", out}};
  return {m.value("tracehound_output_delivered_total", l), m.value("tracehound_output_retried_total", l),
          m.value("tracehound_output_rejected_total", l), m.value("tracehound_output_spooled_total", l),
          m.value("tracehound_output_dropped_total", l)};
}

std::unique_ptr<OutputManager> manager_with(const WebhookConfig& w, Metrics& m,
                                            Config cfg = testing::quiet_config()) {
  cfg.outputs.webhooks = {w};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  EXPECT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  return mgr;
}

TEST(Webhook, Answers200EveryAlertDeliveredOnceInOrderAsFalcoJson) {
  Receiver rx;
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  auto w = testing::fast_webhook("sidekick", rx.url(), tmp / "spool");
  w.headers = {{"X-Tenant", "blue"}};
  auto mgr = manager_with(w, m);
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    mgr->emit(make_alert(i));
    expected.push_back(alert_to_json(make_alert(i)));
  }
  ASSERT_TRUE(eventually([&] { return counts(m, "sidekick").delivered == 20; }));
  mgr->shutdown();
  EXPECT_EQ(testing::without_uuid(rx.accepted_bodies()), expected);
  EXPECT_EQ(rx.requests(), 20u);
  auto c = counts(m, "sidekick");
  EXPECT_EQ(c.delivered, 20);
  EXPECT_EQ(c.retried, 0);
  EXPECT_EQ(c.rejected, 0);
  EXPECT_EQ(c.spooled, 20);  // every alert is written ahead before delivery
  EXPECT_EQ(c.dropped, 0);
  EXPECT_EQ(m.value("tracehound_output_spool_bytes", {{"output", "sidekick"}}), 0);
  std::set<std::string> ids;
  for (const auto& req : rx.log()) {
    // The alert's stable id, in the body and in a header, for receivers that drop duplicates.
    auto id = nlohmann::json::parse(req.body).at("uuid").get<std::string>();
    EXPECT_EQ(req.headers.find("X-Tracehound-Alert-Id")->second, id);
    ids.insert(id);
    EXPECT_EQ(req.headers.find("X-Tenant")->second, "blue");
    EXPECT_EQ(req.headers.find("Content-Type")->second, "application/json");
    // What Falcosidekick checks before it accepts an alert.
    auto j = nlohmann::json::parse(req.body);
    EXPECT_TRUE(priority_from_name(j.at("priority").get<std::string>()).has_value());
    EXPECT_FALSE(j.at("rule").get<std::string>().empty());
    EXPECT_FALSE(j.at("time").get<std::string>().empty());
    EXPECT_TRUE(j.at("output_fields").is_object());
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST(Webhook, Answers500ForAWhileThen200RetriesExactlyTheFailures) {
  Receiver rx([](std::size_t i) { return Reply{i < 4 ? 500 : 200}; });
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  auto mgr = manager_with(testing::fast_webhook("flaky", rx.url(), tmp / "spool"), m);
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    mgr->emit(make_alert(i));
    expected.push_back(alert_to_json(make_alert(i)));
  }
  ASSERT_TRUE(eventually([&] { return counts(m, "flaky").delivered == 6; }));
  mgr->shutdown();
  auto c = counts(m, "flaky");
  EXPECT_EQ(rx.count_status(500), 4u);
  EXPECT_EQ(rx.count_status(200), 6u);
  EXPECT_EQ(c.retried, rx.count_status(500));  // each failed POST was sent again
  EXPECT_EQ(c.delivered, rx.count_status(200));
  EXPECT_EQ(c.rejected, 0);
  EXPECT_EQ(c.dropped, 0);
  EXPECT_EQ(testing::without_uuid(rx.accepted_bodies()), expected);  // a 500 is not a delivery: nothing lost, in order
}

TEST(Webhook, Answers429WithRetryAfterIsRetriedThenDelivered) {
  Receiver rx([](std::size_t i) { return i == 0 ? Reply{429, "1"} : Reply{200}; });
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  auto mgr = manager_with(testing::fast_webhook("limited", rx.url(), tmp / "spool"), m);
  mgr->emit(make_alert(1));
  ASSERT_TRUE(eventually([&] { return counts(m, "limited").delivered == 1; }));
  mgr->shutdown();
  auto c = counts(m, "limited");
  EXPECT_EQ(rx.count_status(429), 1u);
  EXPECT_EQ(c.retried, 1);
  EXPECT_EQ(c.rejected, 0);
  EXPECT_EQ(rx.accepted_bodies().size(), 1u);
}

TEST(Webhook, Answers400IsRejectedNotRetriedLoggedAndCounted) {
  Receiver rx([](std::size_t) { return Reply{400}; });
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  testing::LogCapture logs;
  Metrics m;
  auto mgr = manager_with(testing::fast_webhook("strict", rx.url(), tmp / "spool"), m);
  for (int i = 0; i < 3; ++i) mgr->emit(make_alert(i));
  ASSERT_TRUE(eventually([&] { return counts(m, "strict").rejected == 3; }));
  mgr->shutdown();
  auto c = counts(m, "strict");
  EXPECT_EQ(rx.requests(), 3u);  // one POST per alert, none repeated
  EXPECT_EQ(rx.count_status(400), 3u);
  EXPECT_EQ(c.rejected, rx.count_status(400));
  EXPECT_EQ(c.retried, 0);
  EXPECT_EQ(c.delivered, 0);
  EXPECT_EQ(c.spooled, 3);
  EXPECT_EQ(c.dropped, 0);
  EXPECT_EQ(logs.count("rejected with HTTP 400"), 3u);
  // Reachable, but refusing every alert: degraded, with the reason.
  auto problems = mgr->output_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("strict: the last 3 alert(s) were rejected with HTTP 400"),
            std::string::npos)
      << problems[0];
}

TEST(Webhook, RetriesExhaustedAreDroppedAndCounted) {
  Receiver rx([](std::size_t) { return Reply{503}; });
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  testing::LogCapture logs;
  Metrics m;
  auto w = testing::fast_webhook("bounded", rx.url(), tmp / "spool");
  w.retry.max_attempts = 3;
  auto mgr = manager_with(w, m);
  mgr->emit(make_alert(7));
  ASSERT_TRUE(eventually([&] { return counts(m, "bounded").dropped == 1; }));
  mgr->shutdown();
  auto c = counts(m, "bounded");
  EXPECT_EQ(rx.count_status(503), 3u);
  EXPECT_EQ(c.retried, 2);
  EXPECT_EQ(c.delivered, 0);
  EXPECT_EQ(logs.count("alert dropped (retries exhausted)"), 1u);
}

TEST(Webhook, HangingWebhookNeverDelaysTheOtherOutputsAndIsSpooledAtShutdown) {
  Receiver rx([](std::size_t) { return Reply{200, "", /*hang=*/true}; });
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.file = {true, tmp / "alerts.jsonl"};
  auto w = testing::fast_webhook("hung", rx.url(), tmp / "spool");
  w.timeout = 200ms;
  constexpr int kAlerts = 50;
  {
    auto mgr = manager_with(w, m, cfg);
    for (int i = 0; i < kAlerts; ++i) mgr->emit(make_alert(i));  // returns: emit never blocks
    // The file output received everything while the webhook delivered nothing.
    ASSERT_TRUE(eventually([&] { return testing::read_lines(tmp / "alerts.jsonl").size() == kAlerts; }));
    EXPECT_EQ(counts(m, "hung").delivered, 0);
    EXPECT_EQ(counts(m, "file").delivered, kAlerts);
    ASSERT_TRUE(eventually([&] { return rx.count_hung() >= 1; }));
    mgr->shutdown(300ms);  // bounded drain, then everything left goes to the spool
  }
  auto c = counts(m, "hung");
  EXPECT_EQ(c.delivered, 0);
  EXPECT_EQ(c.spooled, kAlerts);
  EXPECT_EQ(c.dropped, 0);
  EXPECT_EQ(rx.count_status(200), 0u);
  // Every attempt the receiver saw was retried, but the last one, which shutdown may have
  // aborted before it reached the receiver.
  // (A request the client gave up on may reach the handler a little later: wait for it.)
  EXPECT_TRUE(eventually([&] { return static_cast<double>(rx.count_hung()) >= c.retried; }));
  EXPECT_LE(rx.count_hung(), c.retried + 1);
  rx.stop();

  // tracehound restarts with the webhook answering again (the same destination: spools are
  // keyed by URL): the spool is delivered, in order.
  Receiver up;
  ASSERT_TRUE(up.start(rx.port()));
  Metrics m2;
  w.url = up.url();
  auto mgr = manager_with(w, m2);
  ASSERT_TRUE(eventually([&] { return counts(m2, "hung").delivered == kAlerts; }));
  mgr->shutdown();
  std::vector<std::string> expected;
  for (int i = 0; i < kAlerts; ++i) expected.push_back(alert_to_json(make_alert(i)));
  EXPECT_EQ(testing::without_uuid(up.accepted_bodies()), expected);
  EXPECT_EQ(counts(m2, "hung").spooled, 0);
  EXPECT_EQ(m2.value("tracehound_output_spool_bytes", {{"output", "hung"}}), 0);
}

TEST(Webhook, DownThenUpHoldsEverythingInTheSpoolAndDeliversEverythingInOrder) {
  testing::RefusingPort down;
  testing::TempDir tmp;
  Metrics m;
  auto w = testing::fast_webhook("later", down.url(), tmp / "spool");
  w.queue_size = 4;  // the memory queue is not where alerts wait: the spool is
  auto mgr = manager_with(w, m);
  constexpr int kAlerts = 40;
  std::vector<std::string> expected;
  // The first alert is in flight (being retried) before the others come.
  mgr->emit(make_alert(0));
  ASSERT_TRUE(eventually([&] { return counts(m, "later").retried >= 1; }));
  auto* out = dynamic_cast<WebhookOutput*>(mgr->outputs().front().get());
  ASSERT_NE(out, nullptr);
  for (int i = 0; i < kAlerts; ++i) {
    if (i) mgr->emit(make_alert(i));  // a burst: emit() writes ahead and returns
    expected.push_back(alert_to_json(make_alert(i)));
  }
  // Every alert, the one in flight too, is on disk before emit() returned.
  EXPECT_EQ(counts(m, "later").spooled, kAlerts);
  EXPECT_EQ(out->spooled_pending(), static_cast<std::size_t>(kAlerts));
  EXPECT_EQ(counts(m, "later").dropped, 0);
  auto problems = mgr->output_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("later: delivery failing"), std::string::npos) << problems[0];

  down.release();
  Receiver rx;
  ASSERT_TRUE(rx.start(down.port()));
  ASSERT_TRUE(eventually([&] { return counts(m, "later").delivered == kAlerts; }));
  mgr->shutdown();
  EXPECT_EQ(out->spooled_pending(), 0u);
  EXPECT_TRUE(mgr->unhealthy_outputs().empty());
  mgr.reset();  // closes the kept-alive connection before the receiver stops
  auto c = counts(m, "later");
  EXPECT_EQ(testing::without_uuid(rx.accepted_bodies()), expected);  // all, once each, in order
  EXPECT_EQ(c.delivered, rx.count_status(200));
  EXPECT_EQ(c.rejected, 0);
  EXPECT_EQ(c.dropped, 0);
}

TEST(Webhook, FullSpoolDropsExactlyTheOverflowAndLogsEachDrop) {
  testing::RefusingPort down;
  testing::TempDir tmp;
  testing::LogCapture logs;
  Metrics m;
  const uint64_t line = alert_to_json(make_alert(0)).size() + 1 + (9 + 36 + 1);  // and its uuid
  constexpr int kAlerts = 30, kFit = 12;
  auto w = testing::fast_webhook("tiny", down.url(), tmp / "spool");
  w.queue_size = 4;
  w.spool.max_bytes = line * kFit;
  {
    auto mgr = manager_with(w, m);
    for (int i = 0; i < kAlerts; ++i) mgr->emit(make_alert(i));
    mgr->shutdown(0ms);
  }
  auto c = counts(m, "tiny");
  EXPECT_EQ(c.spooled, kFit);
  EXPECT_EQ(c.dropped, kAlerts - kFit);  // all of one priority: the newcomers go
  EXPECT_EQ(m.value("tracehound_output_dropped_by_priority_total",
                    {{"output", "tiny"}, {"priority", "Critical"}}),
            kAlerts - kFit);
  EXPECT_EQ(c.delivered, 0);
  EXPECT_EQ(logs.count("alert dropped"), static_cast<std::size_t>(kAlerts - kFit));

  down.release();
  Receiver rx;
  ASSERT_TRUE(rx.start(down.port()));
  Metrics m2;
  w.url = rx.url();
  auto mgr = manager_with(w, m2);
  ASSERT_TRUE(eventually([&] { return counts(m2, "tiny").delivered == kFit; }));
  mgr->shutdown();
  std::vector<std::string> expected;
  for (int i = 0; i < kFit; ++i) expected.push_back(alert_to_json(make_alert(i)));
  EXPECT_EQ(testing::without_uuid(rx.accepted_bodies()), expected);  // the oldest, in order
}

TEST(Webhook, FullSpoolDropsTheLeastSevereFirstAndSaysSo) {
  testing::RefusingPort down;
  testing::TempDir tmp;
  Metrics m;
  const uint64_t line = alert_to_json(make_alert(0)).size() + 1 + (9 + 36 + 1);
  constexpr int kFit = 10;
  auto w = testing::fast_webhook("prio", down.url(), tmp / "spool");
  w.spool.max_bytes = line * kFit;
  {
    Config cfg = testing::quiet_config();
    cfg.outputs.webhooks = {w};
    Diagnostics d;
    OutputManagerOptions opts;
    opts.metrics = &m;
    opts.report_drops = true;
    auto mgr = OutputManager::create(cfg, d, opts);
    ASSERT_TRUE(mgr) << format_diagnostics_text(d);
    // A flood of notices fills the spool; then come the injections.
    for (int i = 0; i < kFit; ++i) mgr->emit(make_alert(i, Priority::notice));
    for (int i = kFit; i < kFit + 4; ++i) mgr->emit(make_alert(i, Priority::critical));
    mgr->shutdown(0ms);  // the drop reporter's last report goes out first
  }
  Labels notice = {{"output", "prio"}, {"priority", "Notice"}};
  Labels critical = {{"output", "prio"}, {"priority", "Critical"}};
  EXPECT_EQ(m.value("tracehound_output_dropped_by_priority_total", critical), 0);
  // The injections and the internal alert took the place of notices (a little more than one
  // each: their lines are longer).
  EXPECT_GE(m.value("tracehound_output_dropped_by_priority_total", notice), 5);
  down.release();
  Receiver rx;
  ASSERT_TRUE(rx.start(down.port()));
  Metrics m2;
  auto mgr = manager_with(w, m2);
  ASSERT_TRUE(eventually([&] { return mgr->outputs().front()->queue_depth() == 0; }));
  mgr->shutdown();
  int criticals = 0, internal = 0;
  for (const auto& b : rx.accepted_bodies()) {
    auto j = nlohmann::json::parse(b);
    criticals += j["priority"] == "Critical";
    if (j["rule"] == "tracehound internal: alerts dropped") {
      ++internal;
      EXPECT_EQ(j["priority"], "Alert");
      EXPECT_GE(j["output_fields"]["tracehound.alerts_dropped_by_priority"]["Notice"], 4);
      EXPECT_FALSE(j["output_fields"]["tracehound.alerts_dropped_by_priority"].contains("Critical"));
    }
  }
  EXPECT_EQ(criticals, 4);  // every injection kept
  EXPECT_EQ(internal, 1);   // and the loss said so
}

TEST(Webhook, ShutdownDrainsQueuedAlertsWhenTheWebhookIsUp) {
  Receiver rx;
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  auto mgr = manager_with(testing::fast_webhook("drain", rx.url(), tmp / "spool"), m);
  for (int i = 0; i < 30; ++i) mgr->emit(make_alert(i));
  mgr->shutdown(10s);  // returns once the queue is empty
  auto c = counts(m, "drain");
  EXPECT_EQ(c.delivered, 30);
  EXPECT_EQ(c.spooled, 30);
  EXPECT_EQ(m.value("tracehound_output_spool_bytes", {{"output", "drain"}}), 0);
  EXPECT_EQ(rx.count_status(200), 30u);
}

TEST(Webhook, BatchesAsJsonArrayOrNdjson) {
  for (auto format : {BatchFormat::json_array, BatchFormat::ndjson}) {
    Receiver rx;
    ASSERT_TRUE(rx.start());
    testing::TempDir tmp;
    Metrics m;
    auto w = testing::fast_webhook("batched", rx.url(), tmp / "spool");
    w.batch = {5, 10s, format};
    auto mgr = manager_with(w, m);
    for (int i = 0; i < 10; ++i) mgr->emit(make_alert(i));
    ASSERT_TRUE(eventually([&] { return counts(m, "batched").delivered == 10; }));
    mgr->shutdown();
    auto log = rx.log();
    ASSERT_EQ(log.size(), 2u);
    int seq = 0;
    for (const auto& req : log) {
      std::vector<std::string> items;
      if (format == BatchFormat::json_array) {
        EXPECT_EQ(req.headers.find("Content-Type")->second, "application/json");
        for (const auto& j : nlohmann::json::parse(req.body)) items.push_back(j.dump());
      } else {
        EXPECT_EQ(req.headers.find("Content-Type")->second, "application/x-ndjson");
        std::istringstream in(req.body);
        for (std::string l; std::getline(in, l);) items.push_back(l);
      }
      ASSERT_EQ(items.size(), 5u);
      for (const auto& item : items)
        EXPECT_EQ(nlohmann::json::parse(testing::without_uuid(item)),
                  nlohmann::json::parse(alert_to_json(make_alert(seq++))));
    }
  }
}

}  // namespace
}  // namespace th
