// `tracehound replay` has no live traffic to protect: it blocks on a slow stdout instead of
// dropping, exits non-zero whenever an alert was not delivered, and never touches the live
// daemon's webhook spools.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/output/output_manager.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

using namespace std::chrono_literals;

const std::string kRules = std::string(TH_SOURCE_DIR) + "/tests/data/falco/falco_ptrace_rules.yaml";

std::string write_events(const testing::TempDir& tmp, int n) {
  std::string path = tmp / "events.jsonl";
  std::ofstream ev(path);
  for (int i = 0; i < n; ++i)
    ev << R"({"type":"ptrace","proc":{"pid":)" << 10000 + i
       << R"(,"name":"inject"},"ptrace":{"request":"PTRACE_ATTACH","pid":5000}})" << "\n";
  return path;
}

struct CommandRun {
  int status = -1;
  std::vector<std::string> lines;  // stdout
  std::string err;
};

// Runs tracehound with stdout on a pipe read slowly (`pause` between 4 KiB reads).
CommandRun run_tracehound(std::vector<std::string> args, std::chrono::microseconds pause,
                   const std::string& err_path) {
  int p[2];
  EXPECT_EQ(::pipe(p), 0);
  args.insert(args.begin(), TH_TRACEHOUND);
  pid_t pid = testing::spawn_process(
      args, {.stdout_fd = p[1], .stderr_path = err_path, .close_in_child = {p[0]}});
  EXPECT_GT(pid, 0);
  ::close(p[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<std::size_t>(n));
    std::this_thread::sleep_for(pause);  // a slow consumer, on purpose
  }
  ::close(p[0]);
  CommandRun r;
  int status = testing::wait_status(pid);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) r.lines.push_back(l);
  std::ifstream e(err_path);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  return r;
}

TEST(Replay, ASlowStdoutBlocksReplayInsteadOfDroppingAlerts) {
  testing::TempDir tmp;
  constexpr int kEvents = 3000;
  std::string events = write_events(tmp, kEvents);
  std::ofstream(tmp / "small.yaml") << "outputs:\n  queue_size: 8\n";  // fills at once
  CommandRun r = run_tracehound({"replay", "--config", tmp / "small.yaml", "--no-fold", "--format",
                          "json", "--rules", kRules, events},
                         500us, tmp / "err");
  EXPECT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.lines.size(), static_cast<std::size_t>(kEvents)) << r.err;
  for (const auto& l : r.lines) ASSERT_TRUE(alert_from_json(l).has_value()) << l;
  EXPECT_NE(r.err.find(std::to_string(kEvents) + " alerts"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("alert dropped"), std::string::npos) << r.err;
}

TEST(Replay, AnAlertNotDeliveredMeansANonZeroExit) {
  testing::TempDir tmp;
  testing::Receiver rx([](std::size_t) { return testing::Reply{400}; });
  ASSERT_TRUE(rx.start());
  std::string events = write_events(tmp, 3);
  std::ofstream(tmp / "c.yaml") << "outputs:\n  spool_dir: " << tmp / "spool"
                                << "\n  stdout: {enabled: false}\n";
  CommandRun r = run_tracehound({"replay", "--config", tmp / "c.yaml", "--no-fold", "--rules", kRules,
                          "--webhook", rx.url(), events},
                         0us, tmp / "err");
  EXPECT_EQ(rx.count_status(400), 3u);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("3 alert deliveries did not happen"), std::string::npos) << r.err;
}

// What replay spooled for a webhook never reaches the live daemon's spool, even for a webhook
// of the same name; and a spool only ever delivers to the URL it was written for.
TEST(Replay, SpoolsAreKeyedByDestinationAndReplayHasItsOwn) {
  testing::TempDir tmp;
  testing::RefusingPort down;
  Config cfg = testing::quiet_config();
  cfg.outputs.spool_dir = tmp / "spool";
  cfg.outputs.webhooks = {testing::fast_webhook("webhook-1", down.url(), "")};
  cfg.drain_timeout = 0ms;
  for (auto mode : {OutputMode::replay, OutputMode::live}) {
    Metrics m;
    Diagnostics d;
    auto mgr = OutputManager::create(cfg, d, {.metrics = &m, .mode = mode});
    ASSERT_TRUE(mgr) << format_diagnostics_text(d);
    mgr->emit(testing::make_alert(mode == OutputMode::replay ? 1 : 2));
    mgr->shutdown(0ms);
    EXPECT_EQ(mgr->undelivered(), 1u);  // left in its spool
  }
  // Another URL under the same webhook name: a spool of its own, nothing delivered.
  testing::Receiver other;
  ASSERT_TRUE(other.start());
  cfg.outputs.webhooks[0].url = other.url();
  {
    Metrics m;
    Diagnostics d;
    auto mgr = OutputManager::create(cfg, d, {&m});
    ASSERT_TRUE(mgr) << format_diagnostics_text(d);
    mgr->shutdown(1s);
  }
  EXPECT_EQ(other.requests(), 0u);
  // The live run with the first URL again delivers its own alert (2), not replay's (1).
  down.release();
  testing::Receiver rx;
  ASSERT_TRUE(rx.start(down.port()));
  cfg.outputs.webhooks[0].url = rx.url();
  Metrics m;
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  ASSERT_TRUE(mgr);
  ASSERT_TRUE(testing::eventually([&] { return rx.count_status(200) == 1; }));
  mgr->shutdown(5s);
  ASSERT_EQ(rx.accepted_bodies().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(rx.accepted_bodies()[0])["output_fields"]["seq"], "000002");
}

}  // namespace
}  // namespace th
