// The live command's life: rule reload on SIGHUP (bad rules keep the old ones), capture then
// replay, the metrics endpoint while it runs, and kernel drops that are reported, never silent.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "live_harness.h"

namespace e2e {
namespace {


std::string rule(const std::string& name, const std::string& request) {
  return "- rule: " + name + "\n  desc: d\n  condition: evt.type = ptrace and ptrace.request = " +
         request + "\n  output: \"%proc.pid %target.pid\"\n  priority: WARNING\n  fold: false\n";
}

std::string temp(const std::string& name) {
  return "/tmp/th-e2e-" + std::to_string(getpid()) + "-" + name;
}

std::size_t write_cb(char* p, std::size_t s, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

std::pair<long, std::string> http_get(const std::string& url) {
  std::string body;
  long code = 0;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  return {code, body};
}

double metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(series + " ", 0) == 0) return std::stod(l.substr(series.size() + 1));
  return -1;
}

TEST(Lifecycle, SighupReloadsRulesAndKeepsThemWhenTheNewOnesFail) {
  E2E_REQUIRE_LIVE();
  std::string path = temp("reload.yaml");
  std::ofstream(path) << rule("rule A", "PTRACE_ATTACH");
  Tracehound th({.rules_files = {path}});
  ASSERT_TRUE(th.ready()) << th.log();
  {
    Victim v;
    auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
    ASSERT_TRUE(th.wait_for([&](const json& a) { return a["rule"] == "rule A"; }));
  }
  std::ofstream(path) << rule("rule B", "PTRACE_POKETEXT");
  auto signal_and_wait = [&](const std::string& marker) {
    std::size_t before = th.log().size();
    th.signal(SIGHUP);
    for (int i = 0; i < 100 && th.log().find(marker, before) == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return th.log().find(marker, before) != std::string::npos;
  };
  ASSERT_TRUE(signal_and_wait("loaded 1 rules")) << th.log();
  {
    Victim v;
    auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
    auto b = th.wait_for([&](const json& a) { return a["rule"] == "rule B"; });
    ASSERT_TRUE(b) << th.log();
    EXPECT_EQ(field_int(*b, "target.pid"), v.pid());
  }
  // Broken rules: every diagnostic logged, the old rules stay.
  std::ofstream(path) << "- rule: broken\n  desc: d\n  condition: evt.type = ptrace and proc.nme = x\n"
                         "  output: o\n  priority: WARNING\n";
  ASSERT_TRUE(signal_and_wait("rules reload failed")) << th.log();
  EXPECT_NE(th.log().find("TH-E-UNKNOWN-FIELD"), std::string::npos) << th.log();
  {
    Victim v;
    auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
    auto b = th.wait_for([&](const json& a) {
      return a["rule"] == "rule B" && field_int(a, "target.pid") == v.pid();
    });
    EXPECT_TRUE(b) << "the old rules keep working\n" << th.log();
  }
  EXPECT_EQ(th.stop(), 0);
  std::remove(path.c_str());
}

TEST(Lifecycle, CaptureThenReplayFindsTheSameInjection) {
  E2E_REQUIRE_LIVE();
  std::string out = temp("capture.jsonl");
  Process cap({tracehound_binary(), "capture", "-o", out, "--duration", "4"}, true);
  for (int i = 0; i < 200 && cap.stderr_text().find("capturing") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_NE(cap.stderr_text().find("capturing"), std::string::npos) << cap.stderr_text();
  int64_t tracer = 0;
  pid_t victim = 0;
  {
    Victim v;
    victim = v.pid();
    auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
    tracer = r.value("tracer_pid", 0);
  }
  EXPECT_EQ(cap.wait(std::chrono::seconds(20)), 0) << cap.stderr_text();
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "captures name processes: owner-only";
  Process replay({tracehound_binary(), "replay", "--format", "json", out}, true);
  std::vector<json> alerts;
  for (auto l = replay.line(std::chrono::seconds(20)); l; l = replay.line(std::chrono::seconds(2)))
    alerts.push_back(json::parse(*l));
  EXPECT_EQ(replay.wait(), 0) << replay.stderr_text();
  bool found = false;
  for (const auto& a : alerts)
    found = found || (field_int(a, "proc.pid") == tracer && field_int(a, "target.pid") == victim &&
                      (a["priority"] == "Critical" || a["priority"] == "Error"));
  EXPECT_TRUE(found) << "replaying the capture raises the live alert";
  std::remove(out.c_str());
}

TEST(Lifecycle, MetricsAndHealthWhileRunning) {
  E2E_REQUIRE_LIVE();
  Tracehound th({.rules_yaml = rule("metrics rule", "PTRACE_ATTACH")});
  ASSERT_TRUE(th.ready()) << th.log();
  std::smatch m;
  std::string log = th.log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("metrics on (http://[0-9.]+:[0-9]+)/metrics")))
      << log;
  std::string base = m[1];
  auto health = http_get(base + "/healthz");
  EXPECT_EQ(health.first, 200);
  auto before = http_get(base + "/metrics");
  ASSERT_EQ(before.first, 200);
  {
    Victim v;
    run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
    ASSERT_TRUE(th.wait_for([&](const json& a) { return a["rule"] == "metrics rule"; }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // kernel counters: every 200 ms
  auto after = http_get(base + "/metrics");
  std::string ptrace_events = "tracehound_events_total{type=\"ptrace\"}";
  EXPECT_GT(metric(after.second, ptrace_events), metric(before.second, ptrace_events));
  EXPECT_GE(metric(after.second,
                   "tracehound_alerts_total{rule=\"metrics rule\",priority=\"Warning\"}"),
            1);
  EXPECT_GT(metric(after.second, "tracehound_kernel_events_total{kind=\"ptrace\"}"), 0);
  EXPECT_EQ(metric(after.second, "tracehound_rules_last_reload_success"), 1);
  EXPECT_GT(metric(after.second, "tracehound_proctable_entries"), 10);
  EXPECT_EQ(th.stop(), 0);
}

// A ring buffer far too small for a flood of reported events: the losses are counted in the
// kernel, logged, alerted on (rate-limited) and exported. Never silent.
TEST(Lifecycle, KernelDropsAreReported) {
  E2E_REQUIRE_LIVE();
  std::string cfg = temp("small.yaml");
  std::ofstream(cfg) << "ring_buffer_size: 4KiB\n";
  std::string rules = temp("every-ptrace.yaml");
  std::ofstream(rules) << "- rule: every ptrace\n  desc: d\n  condition: evt.type = ptrace\n"
                          "  output: \"%ptrace.request\"\n  priority: DEBUG\n"
                          "  warn_evttypes: false\n";
  Process th({tracehound_binary(), "run", "--format", "json", "--metrics-port", "0", "--config",
              cfg, "--rules", rules, "--min-priority", "WARNING"},
             true);
  for (int i = 0; i < 400 && th.stderr_text().find("watching") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_NE(th.stderr_text().find("watching"), std::string::npos) << th.stderr_text();
  // strace stops its tracee at every syscall: thousands of ptrace calls a second.
  Process flood({"/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/dd", "if=/dev/zero",
                 "of=/dev/null", "bs=1", "count=30000"},
                true);
  // A stalled reader (tracehound stopped for a moment) guarantees the overflow, however fast
  // this machine drains the ring otherwise.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  th.signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  th.signal(SIGCONT);
  flood.wait(std::chrono::seconds(60));
  std::optional<json> drop_alert;
  for (auto l = th.line(std::chrono::seconds(12)); l && !drop_alert;
       l = th.line(std::chrono::seconds(2))) {
    auto a = json::parse(*l);
    if (a["rule"] == "tracehound internal: kernel event drops") drop_alert = a;
  }
  th.signal(SIGTERM);
  EXPECT_EQ(th.wait(std::chrono::seconds(20)), 0);
  ASSERT_TRUE(drop_alert) << th.stderr_text();
  EXPECT_EQ((*drop_alert)["priority"], "Critical");
  EXPECT_GT((*drop_alert)["output_fields"]["tracehound.kernel_drops"].get<int64_t>(), 0);
  EXPECT_NE(th.stderr_text().find("events dropped"), std::string::npos) << "and logged";
  std::remove(cfg.c_str());
  std::remove(rules.c_str());
}

}  // namespace
}  // namespace e2e
