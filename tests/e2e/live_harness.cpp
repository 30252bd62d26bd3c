#include "live_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "support/poll.h"

namespace e2e {

std::string attack_program(const std::string& name) { return std::string(TH_ATTACK_DIR) + "/" + name; }
std::string tracehound_binary() { return TH_TRACEHOUND; }

Tracehound::Tracehound(Options o) {
  std::vector<std::string> argv = {tracehound_binary(), "run", "--format", "json",
                                   "--metrics-port", "0"};
  if (!o.rules_yaml.empty()) {
    temp_rules_.emplace(o.rules_yaml, "th-e2e-rules");
    o.rules_files.push_back(temp_rules_->path());
  }
  for (const auto& r : o.rules_files) {
    argv.push_back("--rules");
    argv.push_back(r);
  }
  if (!o.fold) argv.push_back("--no-fold");
  proc_ = std::make_unique<Process>(argv, /*capture_stderr=*/true);
  // Ready once it says so; a tracehound that exits first (a bad rule, no probe) never is.
  auto watching = [this] { return proc_->stderr_text().find("watching") != std::string::npos; };
  th::test::eventually([&] { return watching() || proc_->exited(); }, std::chrono::seconds(30),
                       std::chrono::milliseconds(20));
  ready_ = watching();
}

Tracehound::~Tracehound() {
  if (proc_) stop();
}

void Tracehound::read_pending(std::chrono::milliseconds timeout) {
  for (auto l = proc_->line(timeout); l; l = proc_->line(std::chrono::milliseconds(0))) {
    auto j = json::parse(*l, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << "stdout line is not JSON: " << *l;
      continue;
    }
    alerts_.push_back(std::move(j));
  }
}

std::vector<json> Tracehound::alerts() {
  read_pending(std::chrono::milliseconds(0));
  return alerts_;
}

std::optional<json> Tracehound::wait_for(const std::function<bool(const json&)>& pred,
                                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t checked = 0;
  for (;;) {
    for (; checked < alerts_.size(); ++checked)
      if (pred(alerts_[checked])) return alerts_[checked];
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    read_pending(std::min(left, std::chrono::milliseconds(100)));
  }
}

void Tracehound::settle(std::chrono::milliseconds quiet) {
  std::size_t before;
  do {
    before = alerts_.size();
    read_pending(quiet);
  } while (alerts_.size() != before);
}

int Tracehound::stop() {
  if (!proc_) return -1;
  proc_->signal(SIGTERM);
  int rc = proc_->wait(std::chrono::seconds(20));
  read_pending(std::chrono::milliseconds(0));
  final_log_ = proc_->stderr_text();
  proc_.reset();
  return rc;
}

json run_attack(const std::vector<std::string>& argv) {
  Process p(argv, /*capture_stderr=*/true);
  auto line = p.line(std::chrono::seconds(20));
  int rc = p.wait(std::chrono::seconds(30));
  EXPECT_EQ(rc, 0) << argv[0] << " failed: " << p.stderr_text();
  if (!line) return json::object();
  auto j = json::parse(*line, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << *line;
  return j.is_discarded() ? json::object() : j;
}

Victim::Victim(std::vector<std::string> extra) {
  std::vector<std::string> argv = {attack_program("victim"), "--seconds", "60"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  proc_ = std::make_unique<Process>(argv);
  auto l = proc_->line(std::chrono::seconds(10));
  if (l) report_ = json::parse(*l, nullptr, false);
  pid_ = proc_->pid();
}

Victim::~Victim() {
  if (proc_) finish();
}

int Victim::finish() {
  proc_->signal(SIGTERM);
  int rc = proc_->wait(std::chrono::seconds(10));
  return rc;
}

int64_t field_int(const json& alert, const std::string& name) {
  const auto& f = alert["output_fields"];
  if (!f.contains(name) || !f[name].is_number_integer()) return INT64_MIN;
  return f[name].get<int64_t>();
}

std::string field_str(const json& alert, const std::string& name) {
  const auto& f = alert["output_fields"];
  if (!f.contains(name) || f[name].is_null()) return "<missing>";
  return f[name].is_string() ? f[name].get<std::string>() : f[name].dump();
}

}  // namespace e2e
