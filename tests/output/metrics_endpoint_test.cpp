// Scrapes /metrics and /healthz from a MetricsServer on loopback while alerts flow.
#include <gtest/gtest.h>
#include <httplib.h>

#include <netinet/in.h>
#include <sys/socket.h>

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

TEST(MetricsEndpoint, LivenessAndReadinessAreSeparate) {
  std::atomic<bool> alive{true}, ready{true};
  Metrics m;
  MetricsServer server([&] { return alive ? Health{} : Health{false, "event loop stalled"}; }, &m,
                       [&] {
                         return ready ? Health{}
                                      : Health{false, "degraded outputs: sidekick: delivery failing"};
                       });
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/readyz")->status, 200);
  EXPECT_EQ(client.Get("/readyz")->body, "ready\n");
  ready = false;  // a webhook is failing: not ready, but alive (a restart would not help)
  auto r = client.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "not ready: degraded outputs: sidekick: delivery failing\n");
  EXPECT_EQ(client.Get("/livez")->status, 200);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  alive = false;
  EXPECT_EQ(client.Get("/livez")->status, 503);
  EXPECT_EQ(client.Get("/healthz")->status, 503);
  EXPECT_NE(client.Get("/readyz")->body.find("event loop stalled"), std::string::npos);
  EXPECT_EQ(client.Post("/healthz", "x", "text/plain")->status, 405);
}

// The real thing end to end: an output that fails makes /readyz say which and why.
TEST(MetricsEndpoint, ReadinessReportsEveryRejectedAlertWithTheReason) {
  testing::Receiver rx([](std::size_t) { return testing::Reply{400}; });
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  Metrics m;
  auto mgr = testing::manager_for(
      testing::with_webhook(testing::fast_webhook("siem", rx.url(), tmp / "spool")), m);
  ASSERT_TRUE(mgr);
  MetricsServer server({}, &m, [&] {
    auto p = mgr->output_problems();
    return p.empty() ? Health{} : Health{false, p.front()};
  });
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  httplib::Client client("127.0.0.1", server.port());
  mgr->emit(testing::make_alert(1));
  ASSERT_TRUE(testing::eventually([&] { return client.Get("/readyz")->status == 503; }));
  EXPECT_NE(client.Get("/readyz")->body.find("siem: the last 1 alert(s) were rejected with HTTP 400"),
            std::string::npos);
  mgr->shutdown(1s);
}

// Opens `count` connections to 127.0.0.1:`port` as user nobody and keeps them idle until its
// stdin closes; prints "open N" once they are open.
constexpr const char* kIdleClients = R"(
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(count):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        pass
print("open", len(held), flush=True)
sys.stdin.read()
)";

struct Unprivileged {
  pid_t pid = -1;
  int in = -1, out = -1;
  ~Unprivileged() {
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
  }
};

void start_idle_clients(Unprivileged& u, int port, int count) {
  int to[2], from[2];
  ASSERT_EQ(::pipe(to), 0);
  ASSERT_EQ(::pipe(from), 0);
  u.pid = testing::spawn_process(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
       "-c", kIdleClients, std::to_string(port), std::to_string(count)},
      {.stdin_fd = to[0], .stdout_fd = from[1], .close_in_child = {to[1], from[0]}});
  ASSERT_GT(u.pid, 0);
  ::close(to[0]);
  ::close(from[1]);
  u.in = to[1];
  u.out = from[0];
  // One line, "open N", which a pipe may hand over in pieces.
  std::string line;
  char c = 0;
  while (line.size() < 64 && ::read(u.out, &c, 1) == 1 && c != '\n') line += c;
  ASSERT_EQ(line.rfind("open ", 0), 0u) << line;
}

TEST(MetricsEndpoint, IdleConnectionsFromAnUnprivilegedUserDoNotSilenceIt) {
  TH_REQUIRE_ROOT();
  Metrics m;
  MetricsServer server([] { return Health{}; }, &m);
  MetricsServerLimits lim;
  lim.header_timeout = 1500ms;  // short, so that the test sees the idle ones go
  server.set_limits(lim);
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  Unprivileged nobody;
  start_idle_clients(nobody, server.port(), 300);  // far beyond every limit
  // While they are held, the probes and the scraper are still answered.
  httplib::Client client("127.0.0.1", server.port());
  client.set_connection_timeout(5s);
  client.set_read_timeout(5s);
  for (int i = 0; i < 20; ++i) {
    auto r = client.Get(i % 2 ? "/healthz" : "/readyz");
    ASSERT_TRUE(r) << "request " << i << " got no answer";
    EXPECT_EQ(r->status, 200);
  }
  auto scrape = client.Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_GT(sample(scrape->body, "tracehound_metrics_connections_refused_total{reason=\"per_peer\"}"), 0);
  EXPECT_LE(sample(scrape->body, "tracehound_metrics_connections_open"),
            static_cast<double>(lim.max_per_peer));
  // Connections that never send a request are closed after the header timeout.
  ASSERT_TRUE(testing::eventually([&] {
    return m.value("tracehound_metrics_connections_open") == 0 &&
           m.value("tracehound_metrics_connections_refused_total", {{"reason", "header_timeout"}}) > 0;
  }));
}

TEST(MetricsEndpoint, ARequestSentByteByByteIsCutOffAtTheHeaderTimeout) {
  Metrics m;
  MetricsServer server({}, &m);
  MetricsServerLimits lim;
  lim.header_timeout = 500ms;
  server.set_limits(lim);
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(server.port()));
  ASSERT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  // Slowloris: one byte at a time, never the end of the head. The server hangs up.
  bool closed = testing::eventually([&] {
    if (::send(s, "G", 1, MSG_NOSIGNAL) < 0) return true;
    char c;
    return ::recv(s, &c, 1, MSG_DONTWAIT) == 0;
  });
  ::close(s);
  EXPECT_TRUE(closed);
  EXPECT_EQ(m.value("tracehound_metrics_connections_refused_total", {{"reason", "header_timeout"}}), 1);
}

TEST(MetricsEndpoint, AnOversizedRequestIsRefused) {
  Metrics m;
  MetricsServer server({}, &m);
  std::string err;
  ASSERT_TRUE(server.start("127.0.0.1", 0, err)) << err;
  httplib::Client client("127.0.0.1", server.port());
  httplib::Headers h = {{"X-Big", std::string(20000, 'a')}};
  auto r = client.Get("/metrics", h);
  if (r) {
    EXPECT_EQ(r->status, 431);  // or the connection is closed before the answer is read
  }
  EXPECT_EQ(m.value("tracehound_metrics_connections_refused_total", {{"reason", "too_large"}}), 1);
}

}  // namespace
}  // namespace th
