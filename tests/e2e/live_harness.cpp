#include "live_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace e2e {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::string live_precondition_failure() {
  if (geteuid() != 0) return "end-to-end tests need root (the probe needs CAP_BPF and CAP_PERFMON)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "the kernel has no BTF";
  return {};
}

std::string attack_program(const std::string& name) { return std::string(TH_ATTACK_DIR) + "/" + name; }
std::string tracehound_binary() { return TH_TRACEHOUND; }

Process::Process(const std::vector<std::string>& argv, bool capture_stderr) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    if (capture_stderr) dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_ = out[0];
  err_ = err[0];
  out_thread_ = std::thread([this] { pump(out_, out_lines_, out_raw_); });
  err_thread_ = std::thread([this] { pump(err_, err_lines_, err_raw_); });
}

void Process::pump(int fd, std::vector<std::string>& lines, std::string& raw) {
  char buf[65536];
  std::string pending;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard lock(mu_);
    raw.append(buf, static_cast<std::size_t>(n));
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      lines.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    cv_.notify_all();
  }
}

Process::~Process() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
  close(out_);
  close(err_);
}

std::optional<std::string> Process::line(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return next_out_ < out_lines_.size(); }))
    return std::nullopt;
  return out_lines_[next_out_++];
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int st = 0;
  for (;;) {
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reaped_ = true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
  return status_;
}

void Process::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

std::string Process::stderr_text() {
  std::lock_guard lock(mu_);
  return err_raw_;
}

Tracehound::Tracehound(Options o) {
  std::vector<std::string> argv = {tracehound_binary(), "run", "--format", "json",
                                   "--metrics-port", "0"};
  if (!o.rules_yaml.empty()) {
    temp_rules_ = "/tmp/th-e2e-rules-" + std::to_string(getpid()) + "-" +
                  std::to_string(std::rand()) + ".yaml";
    std::ofstream(temp_rules_) << o.rules_yaml;
    o.rules_files.push_back(temp_rules_);
  }
  for (const auto& r : o.rules_files) {
    argv.push_back("--rules");
    argv.push_back(r);
  }
  if (!o.fold) argv.push_back("--no-fold");
  argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
  proc_ = std::make_unique<Process>(argv, /*capture_stderr=*/true);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = proc_->stderr_text();
    if (log.find("watching") != std::string::npos) {
      ready_ = true;
      break;
    }
    if (log.find("error") != std::string::npos && log.find("watching") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (proc_->stderr_text().find("watching") == std::string::npos) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Tracehound::~Tracehound() {
  if (proc_) stop();
  if (!temp_rules_.empty()) std::remove(temp_rules_.c_str());
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
