// stdout, file and syslog outputs, and what the OutputManager does before them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

#include "engine/output/local_outputs.h"
#include "engine/output/output_manager.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::make_alert;

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(StdoutOutput, WritesOneAlertPerLineAsJsonOrText) {
  for (auto format : {AlertFormat::json, AlertFormat::text}) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    Metrics m;
    Config cfg;
    cfg.format = format;
    Diagnostics d;
    auto mgr = OutputManager::create(cfg, d, {&m, p[1]});
    ASSERT_TRUE(mgr);
    mgr->emit(make_alert(1));
    mgr->emit(make_alert(2));
    mgr->shutdown(5s);
    ::close(p[1]);
    std::string got = read_all(p[0]);
    ::close(p[0]);
    auto render = [&](int i) {
      return format == AlertFormat::json ? alert_to_json(make_alert(i)) : alert_to_text(make_alert(i));
    };
    EXPECT_EQ(format == AlertFormat::json ? testing::without_uuid(got) : got,
              render(1) + "\n" + render(2) + "\n");
    EXPECT_EQ(m.value("tracehound_output_delivered_total", {{"output", "stdout"}}), 2);
  }
}

TEST(StdoutOutput, AStalledReaderDoesNotHoldShutdownBeyondItsDeadline) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  Metrics m;
  Config cfg;
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m, p[1]});
  ASSERT_TRUE(mgr);
  // Nobody reads the pipe: it fills (64 KiB) and the worker stalls.
  const int n = 2000;
  for (int i = 0; i < n; ++i) mgr->emit(make_alert(i));
  mgr->shutdown(200ms);  // must return: the stalled write gives up at the deadline
  Labels l = {{"output", "stdout"}};
  double delivered = m.value("tracehound_output_delivered_total", l);
  double dropped = m.value("tracehound_output_dropped_total", l);
  EXPECT_LT(delivered, n);
  EXPECT_EQ(delivered + dropped, n);  // nothing vanished without being counted
  ::close(p[0]);
  ::close(p[1]);
}

TEST(FileOutput, AppendsJsonLinesWith0600AndReopensForLogrotate) {
  testing::TempDir tmp;
  const std::string path = tmp / "alerts.jsonl";
  std::ofstream(path) << "{\"earlier\":1}\n";  // appended to, never truncated
  ::chmod(path.c_str(), 0600);
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.file = {true, path};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr) << format_diagnostics_text(d);
  for (int i = 0; i < 3; ++i) mgr->emit(make_alert(i));
  ASSERT_TRUE(eventually([&] { return testing::read_lines(path).size() == 4; }));
  // logrotate: move the file away, then SIGUSR1 -> reopen().
  std::filesystem::rename(path, path + ".1");
  mgr->reopen();
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(path); }));
  for (int i = 3; i < 5; ++i) mgr->emit(make_alert(i));
  mgr->shutdown(5s);
  auto old_lines = testing::read_lines(path + ".1");
  auto new_lines = testing::read_lines(path);
  ASSERT_EQ(old_lines.size(), 4u);
  EXPECT_EQ(old_lines[0], "{\"earlier\":1}");
  EXPECT_EQ(testing::without_uuid(old_lines[3]), alert_to_json(make_alert(2)));
  ASSERT_EQ(new_lines.size(), 2u);
  EXPECT_EQ(testing::without_uuid(new_lines[0]), alert_to_json(make_alert(3)));
  EXPECT_EQ(testing::without_uuid(new_lines[1]), alert_to_json(make_alert(4)));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileOutput, UnopenableFileIsADiagnostic) {
  testing::TempDir tmp;
  Config cfg = testing::quiet_config();
  cfg.outputs.file = {true, tmp / "no/such/dir/alerts.jsonl"};
  Diagnostics d;
  EXPECT_FALSE(OutputManager::create(cfg, d));
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].code, "TH-O-FILE");
}

TEST(SyslogOutput, SendsRfc3164DatagramsWithFacilityAndSeverity) {
  testing::TempDir tmp;
  const std::string sock_path = tmp / "log.sock";
  int s = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, sock_path.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.syslog = {true, "local3", "houndtest", sock_path};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr) << format_diagnostics_text(d);
  mgr->emit(make_alert(1, Priority::critical));
  mgr->emit(make_alert(2, Priority::warning));
  std::vector<std::string> got;
  char buf[8192];
  for (int i = 0; i < 2; ++i) {
    ssize_t n = ::recv(s, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.emplace_back(buf, static_cast<std::size_t>(n));
  }
  mgr->shutdown(5s);
  ::close(s);
  // local3 = 19: 19*8 + 2 (crit) = 154, 19*8 + 4 (warning) = 156.
  EXPECT_EQ(got[0].rfind("<154>", 0), 0u) << got[0];
  EXPECT_EQ(got[1].rfind("<156>", 0), 0u) << got[1];
  const std::string tag = " houndtest[" + std::to_string(::getpid()) + "]: ";
  ASSERT_NE(got[0].find(tag), std::string::npos) << got[0];
  EXPECT_EQ(testing::without_uuid(got[0].substr(got[0].find(tag) + tag.size())),
            alert_to_json(make_alert(1)));
  EXPECT_EQ(m.value("tracehound_output_delivered_total", {{"output", "syslog"}}), 2);
}

TEST(SyslogOutput, MissingDaemonCountsDropsInsteadOfBlocking) {
  testing::TempDir tmp;
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.outputs.syslog = {true, "daemon", "houndtest", tmp / "nobody-listens"};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr);
  mgr->emit(make_alert(1));
  Labels l = {{"output", "syslog"}};
  ASSERT_TRUE(eventually([&] { return m.value("tracehound_output_dropped_total", l) == 1; }));
  EXPECT_EQ(mgr->unhealthy_outputs(), std::vector<std::string>{"syslog"});
}

TEST(OutputManager, FiltersBelowMinimumPriorityBeforeTheOutputs) {
  testing::TempDir tmp;
  Metrics m;
  Config cfg = testing::quiet_config();
  cfg.minimum_priority = Priority::error;
  cfg.outputs.file = {true, tmp / "a.jsonl"};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr);
  mgr->emit(make_alert(1, Priority::warning));
  mgr->emit(make_alert(2, Priority::critical));
  mgr->emit(make_alert(3, Priority::error));
  mgr->emit(make_alert(4, Priority::debug));
  mgr->shutdown(5s);
  auto lines = testing::read_lines(tmp / "a.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(testing::without_uuid(lines[0]), alert_to_json(make_alert(2, Priority::critical)));
  EXPECT_EQ(testing::without_uuid(lines[1]), alert_to_json(make_alert(3, Priority::error)));
  EXPECT_EQ(m.value("tracehound_alerts_filtered_total"), 2);
  EXPECT_EQ(m.value("tracehound_alerts_emitted_total"), 2);
}

TEST(OutputManager, FillsHostnameAndTimeAndSendsIdenticalJsonEverywhere) {
  testing::Receiver rx;
  ASSERT_TRUE(rx.start());
  testing::TempDir tmp;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  Metrics m;
  Config cfg;
  cfg.hostname = "node-7";
  cfg.outputs.file = {true, tmp / "a.jsonl"};
  cfg.outputs.webhooks = {testing::fast_webhook("hook", rx.url(), tmp / "spool")};
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m, p[1]});
  ASSERT_TRUE(mgr) << format_diagnostics_text(d);
  Alert a = make_alert(5);
  a.hostname.clear();
  a.time_ns = 0;
  mgr->emit(a);
  mgr->shutdown(10s);
  ::close(p[1]);
  std::string out = read_all(p[0]);
  ::close(p[0]);
  auto file = testing::read_lines(tmp / "a.jsonl");
  ASSERT_EQ(file.size(), 1u);
  ASSERT_EQ(rx.accepted_bodies().size(), 1u);
  EXPECT_EQ(out, file[0] + "\n");
  EXPECT_EQ(rx.accepted_bodies()[0], file[0]);
  auto parsed = alert_from_json(file[0]);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->hostname, "node-7");
  EXPECT_GT(parsed->time_ns, 0u);
}

TEST(OutputManager, AuthHeaderFromEnvOrFileIsSentAndNeverLogged) {
  const std::string secret = "Bearer s3cr3t-t0ken-do-not-log";
  testing::TempDir tmp;
  std::ofstream(tmp / "token") << secret << "\n";
  ::setenv("TH_TEST_WEBHOOK_TOKEN", secret.c_str(), 1);
  testing::LogCapture logs;
  for (bool from_env : {true, false}) {
    // 500 then 400: both failure paths log.
    testing::Receiver rx([](std::size_t i) { return testing::Reply{i == 0 ? 500 : 400}; });
    ASSERT_TRUE(rx.start());
    Metrics m;
    Config cfg = testing::quiet_config();
    auto w = testing::fast_webhook("authd", rx.url(), tmp / "spool");
    w.auth.header = "Authorization";
    (from_env ? w.auth.value_env : w.auth.value_file) =
        from_env ? "TH_TEST_WEBHOOK_TOKEN" : tmp / "token";
    cfg.outputs.webhooks = {w};
    Diagnostics d;
    auto mgr = OutputManager::create(cfg, d, {&m});
    ASSERT_TRUE(mgr) << format_diagnostics_text(d);
    mgr->emit(make_alert(1));
    ASSERT_TRUE(eventually([&] {
      return m.value("tracehound_output_rejected_total", {{"output", "authd"}}) == 1;
    }));
    mgr->shutdown(5s);
    for (const auto& req : rx.log()) EXPECT_EQ(req.headers.find("Authorization")->second, secret);
  }
  ::unsetenv("TH_TEST_WEBHOOK_TOKEN");
  std::string text = logs.text();
  EXPECT_NE(text.find("HTTP 500"), std::string::npos);  // the logs were captured...
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);    // ...and hold no secret
}

TEST(OutputManager, MissingSecretIsADiagnosticThatNamesTheVariableNotTheValue) {
  Config cfg = testing::quiet_config();
  testing::TempDir tmp;
  auto w = testing::fast_webhook("authd", "http://127.0.0.1:9/", tmp / "spool");
  w.auth.value_env = "TH_TEST_SURELY_UNSET_VARIABLE";
  cfg.outputs.webhooks = {w};
  Diagnostics d;
  EXPECT_FALSE(OutputManager::create(cfg, d));
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].code, "TH-C-SECRET");
  EXPECT_NE(d.items()[0].message.find("TH_TEST_SURELY_UNSET_VARIABLE"), std::string::npos);
}

}  // namespace
}  // namespace th
