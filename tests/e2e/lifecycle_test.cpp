// The live command's life: rule reload on SIGHUP (bad rules keep the old ones), capture then
// replay, the metrics endpoint while it runs (and a squatted metrics port that does not stop
// detection), and kernel drops that are reported, never silent. Every wait polls with a deadline.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "live_harness.h"
#include "support/poll.h"

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

using th::test::eventually;

// The first stdout line of `p` (an alert) for which `pred` holds, within `limit`.
std::optional<json> next_alert(Process& p, const std::function<bool(const json&)>& pred,
                               std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto l = p.line(left);
    if (!l) return std::nullopt;
    auto a = json::parse(*l, nullptr, false);
    if (!a.is_discarded() && pred(a)) return a;
  }
}

// A number from a /proc/<pid> file line "key: value" (io's syscr), -1 when unreadable.
int64_t proc_value(pid_t pid, const std::string& file, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(key + ":", 0) == 0) return std::stoll(l.substr(key.size() + 1));
  return -1;
}

// The first child of `pid`, 0 while it has none.
pid_t first_child(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = 0;
  in >> child;
  return child;
}

TEST(Lifecycle, SighupReloadsRulesAndKeepsThemWhenTheNewOnesFail) {
  E2E_REQUIRE_LIVE();
  std::string path = temp("reload.yaml");
  std::ofstream(path) << rule("rule A", "PTRACE_ATTACH");
  Tracehound th({.rules_files = {path}, .rules_yaml = "", .fold = true});
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
    return eventually([&] { return th.log().find(marker, before) != std::string::npos; },
                      std::chrono::seconds(5));
  };
  ASSERT_TRUE(signal_and_wait("rules: 1 rule(s) loaded")) << th.log();
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
  ASSERT_TRUE(eventually([&] { return cap.stderr_text().find("capturing") != std::string::npos; }))
      << cap.stderr_text();
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
  Tracehound th({.rules_files = {}, .rules_yaml = rule("metrics rule", "PTRACE_ATTACH"), .fold = true});
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
  // The kernel counters are mirrored into the registry at each tick (every 200 ms).
  std::pair<long, std::string> after;
  EXPECT_TRUE(eventually([&] {
    after = http_get(base + "/metrics");
    return metric(after.second, "tracehound_kernel_events_total{kind=\"ptrace\"}") > 0;
  }));
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
  ASSERT_TRUE(eventually([&] { return th.stderr_text().find("watching") != std::string::npos; },
                         std::chrono::seconds(20)))
      << th.stderr_text();
  // strace stops its tracee at every syscall: thousands of ptrace calls a second.
  Process flood({"/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/dd", "if=/dev/zero",
                 "of=/dev/null", "bs=1", "count=30000"},
                true);
  // A stalled reader (tracehound stopped for a moment) guarantees the overflow, however fast
  // this machine drains the ring otherwise: stopped once dd runs under strace, resumed once dd
  // has made thousands of traced reads (each several ptrace records; the ring holds a few dozen).
  pid_t dd = 0;
  ASSERT_TRUE(eventually([&] {
    dd = first_child(flood.pid());
    return dd != 0 && proc_value(dd, "io", "syscr") > 100;
  })) << "the flood starts";
  th.signal(SIGSTOP);
  int64_t reads_at_stop = proc_value(dd, "io", "syscr");
  bool flooded = eventually([&] {
    int64_t now = proc_value(dd, "io", "syscr");
    return now < 0 || now > reads_at_stop + 3000;  // < 0: dd already finished
  });
  th.signal(SIGCONT);
  ASSERT_TRUE(flooded) << "the flood went on while tracehound was stopped";
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

// Another local user holds the metrics port before tracehound starts: detection starts anyway,
// says so (log, internal alert, metric), and the endpoint comes up once the port is free.
TEST(Lifecycle, SquattedMetricsPortDoesNotStopDetection) {
  E2E_REQUIRE_LIVE();
  Process squatter({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                    "import signal, socket\n"
                    "s = socket.socket()\n"
                    "s.bind(('127.0.0.1', 0))\n"
                    "s.listen()\n"
                    "print(s.getsockname()[1], flush=True)\n"
                    "signal.pause()\n"},
                   true);
  auto port_line = squatter.line(std::chrono::seconds(10));
  ASSERT_TRUE(port_line) << squatter.stderr_text();
  const std::string port = *port_line;
  EXPECT_EQ(proc_value(squatter.pid(), "status", "Uid"), 65534) << "the squatter is nobody";
  std::string rules = temp("squat.yaml");
  std::ofstream(rules) << rule("squat rule", "PTRACE_ATTACH");
  Process th({tracehound_binary(), "run", "--format", "json", "--metrics-port", port, "--rules",
              rules},
             true);
  ASSERT_TRUE(eventually([&] { return th.stderr_text().find("watching") != std::string::npos; },
                         std::chrono::seconds(20)))
      << "detection starts although the port is taken\n" << th.stderr_text();
  EXPECT_NE(th.stderr_text().find("cannot listen on 127.0.0.1:" + port), std::string::npos)
      << th.stderr_text();
  auto internal = next_alert(th, [](const json& a) {
    return a["rule"] == "tracehound internal: metrics endpoint unavailable";
  });
  ASSERT_TRUE(internal) << th.stderr_text();
  EXPECT_EQ((*internal)["source"], "internal");
  EXPECT_EQ((*internal)["output_fields"]["tracehound.metrics_port"], std::stoi(port));
  {
    Victim v;
    run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
    auto a = next_alert(th, [&](const json& a) {
      return a["rule"] == "squat rule" && field_int(a, "target.pid") == v.pid();
    });
    EXPECT_TRUE(a) << "the injection is alerted on\n" << th.stderr_text();
  }
  EXPECT_EQ(http_get("http://127.0.0.1:" + port + "/healthz").first, 0) << "not ours yet";
  squatter.signal(SIGTERM);
  squatter.wait();
  std::pair<long, std::string> metrics;
  EXPECT_TRUE(eventually(
      [&] {
        metrics = http_get("http://127.0.0.1:" + port + "/metrics");
        return metrics.first == 200;
      },
      std::chrono::milliseconds(2 * 30'000 + 5'000)))
      << "the endpoint comes up once the port is free\n" << th.stderr_text();
  EXPECT_GE(metric(metrics.second, "tracehound_metrics_endpoint_listen_failures_total"), 1);
  EXPECT_EQ(metric(metrics.second, "tracehound_metrics_endpoint_up"), 1);
  EXPECT_EQ(http_get("http://127.0.0.1:" + port + "/healthz").first, 200);
  // The endpoint answers as soon as it listens, a moment before the loop logs that it is up.
  EXPECT_TRUE(eventually(
      [&] { return th.stderr_text().find("metrics endpoint is up after") != std::string::npos; },
      std::chrono::seconds(20)))
      << th.stderr_text();
  th.signal(SIGTERM);
  EXPECT_EQ(th.wait(std::chrono::seconds(20)), 0);
  std::remove(rules.c_str());
}

}  // namespace
}  // namespace e2e
