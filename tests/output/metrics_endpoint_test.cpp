// Scrapes /metrics and /healthz from a MetricsServer on loopback while alerts flow.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>

#include "engine/metrics/metrics_server.h"
#include "engine/output/output_manager.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

using namespace std::chrono_literals;

// The value of one sample line "name{labels} value" in a scrape, -1 when absent.
double sample(const std::string& scrape, const std::string& series) {
  std::istringstream in(scrape);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

TEST(MetricsEndpoint, ScrapeShowsDeliveryCountersMove) {
  testing::Receiver rx;
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.webhooks = {testing::fast_webhook("sidekick", rx.url(), tmp / "spool")};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr);
  MetricsServer server([&] { return Health{}; }, &m);
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  httplib::Client client("127.0.0.1", server.port());

  const std::string series = "tracehound_output_delivered_total{output=\"sidekick\"}";
  auto before = client.Get("/metrics");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);
  EXPECT_NE(before->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_EQ(sample(before->body, series), 0);
  EXPECT_NE(before->body.find("# TYPE tracehound_output_delivered_total counter"), std::string::npos);

  for (int i = 0; i < 3; ++i) mgr->emit(testing::make_alert(i));
  ASSERT_TRUE(testing::eventually([&] {
    auto r = client.Get("/metrics");
    return r && sample(r->body, series) == 3;
  }));
  auto after = client.Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(sample(after->body, "tracehound_alerts_emitted_total"), 3);
  EXPECT_EQ(sample(after->body, "tracehound_output_queue_depth{output=\"sidekick\"}"), 0);
  EXPECT_EQ(sample(after->body, "tracehound_output_delivery_latency_seconds_count{output=\"sidekick\"}"), 3);
  EXPECT_EQ(rx.count_status(200), 3u);
  mgr->shutdown(5s);
}

TEST(MetricsEndpoint, HealthzFollowsTheCallback) {
  std::atomic<bool> ok{true};
  Metrics m;
  MetricsServer server([&] { return ok ? Health{} : Health{false, "webhook 'x' failing"}; }, &m);
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  httplib::Client client("127.0.0.1", server.port());
  auto r = client.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  ok = false;
  r = client.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("webhook 'x' failing"), std::string::npos);
  EXPECT_EQ(client.Get("/nothing")->status, 404);
}

TEST(MetricsEndpoint, BusyPortIsAnErrorNotACrash) {
  Metrics m;
  MetricsServer first({}, &m);
  std::string err;
  ASSERT_TRUE(first.start("127.0.0.1", 0, err)) << err;
  MetricsServer second({}, &m);
  EXPECT_FALSE(second.start("127.0.0.1", first.port(), err));
  EXPECT_NE(err.find(std::to_string(first.port())), std::string::npos);
}

}  // namespace
}  // namespace th
