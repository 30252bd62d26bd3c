// `tracehound run --webhook URL` end to end: a real attack's alert reaches a real HTTP receiver
// on loopback, through the HTTP module the command loads for it; and a run without a webhook
// never maps the module or libcurl (its ~6 MB resident are paid only by those who need it).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "live_harness.h"
#include "support/poll.h"
#include "support/temp.h"

namespace e2e {
namespace {

using th::test::eventually;

const std::string kRule =
    "- rule: webhook e2e poketext\n  desc: d\n"
    "  condition: evt.type = ptrace and ptrace.request = PTRACE_POKETEXT\n"
    "  output: \"%proc.pid %target.pid\"\n  priority: WARNING\n  fold: false\n";

// Collects the bodies POSTed to it, answering 200.
class Receiver {
 public:
  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

std::string maps_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A config whose runtime sockets do not exist, so that no container metadata lookup needs the
// module whatever runtime this host has, and whose spools are the test's own.
std::string write_config(const th::test::TempDir& dir) {
  std::string path = dir / "tracehound.yaml";
  std::ofstream(path) << "container_runtime:\n  sockets: [/nonexistent/runtime.sock]\n"
                      << "outputs:\n  spool_dir: " << dir / "spool" << "\n";
  return path;
}

TEST(LiveWebhook, AnAttacksAlertIsPostedToTheWebhookThroughTheHttpModule) {
  E2E_REQUIRE_LIVE();
  Receiver rx;
  th::test::TempDir dir("th-e2e-webhook");
  Tracehound th({.rules_yaml = kRule,
                 .fold = false,
                 .extra_args = {"--config", write_config(dir), "--webhook", rx.url()}});
  ASSERT_TRUE(th.ready()) << th.log();
  std::string maps = maps_of(th.pid());
  EXPECT_NE(maps.find("libtracehound_http.so"), std::string::npos);
  EXPECT_NE(maps.find("libcurl"), std::string::npos);

  Victim v;
  run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  json posted;
  ASSERT_TRUE(eventually([&] {
    for (const auto& b : rx.bodies()) {
      auto j = json::parse(b, nullptr, false);
      if (!j.is_discarded() && j.value("rule", "") == "webhook e2e poketext" &&
          field_int(j, "target.pid") == v.pid()) {
        posted = j;
        return true;
      }
    }
    return false;
  }, std::chrono::seconds(15))) << rx.bodies().size() << " POSTs; " << th.log();
  EXPECT_EQ(posted["priority"], "Warning");
  EXPECT_TRUE(posted.contains("uuid"));
  // The same alert on stdout.
  EXPECT_TRUE(th.wait_for([&](const json& a) { return a["uuid"] == posted["uuid"]; }));
  EXPECT_EQ(th.stop(), 0) << th.log();
}

TEST(LiveWebhook, WithoutAWebhookNeitherTheModuleNorLibcurlIsMapped) {
  E2E_REQUIRE_LIVE();
  th::test::TempDir dir("th-e2e-webhook");
  Tracehound th({.rules_yaml = kRule, .fold = false, .extra_args = {"--config", write_config(dir)}});
  ASSERT_TRUE(th.ready()) << th.log();
  // Detection works (an alert), and still nothing HTTP is mapped after it.
  Victim v;
  run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  ASSERT_TRUE(th.wait_for([&](const json& a) { return a["rule"] == "webhook e2e poketext"; }));
  std::string maps = maps_of(th.pid());
  EXPECT_NE(maps.find("libc.so"), std::string::npos) << "maps not read";
  EXPECT_EQ(maps.find("libtracehound_http.so"), std::string::npos);
  EXPECT_EQ(maps.find("libcurl"), std::string::npos);
  EXPECT_EQ(th.stop(), 0) << th.log();
}

}  // namespace
}  // namespace e2e
