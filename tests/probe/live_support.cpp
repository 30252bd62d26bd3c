#include "live_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "probe/host_checks.h"

namespace probe_test {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string_view(ci) == "true";
}

std::string live_precondition_failure() {
  if (geteuid() != 0) return "live probe tests need root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
  return {};
}

std::unique_ptr<th::probe::Probe> open_probe(th::probe::ProbeOptions options, std::string& why) {
  why = live_precondition_failure();
  if (!why.empty()) return nullptr;
  // The start-up check the daemon runs; a failure shows in Probe::open's error if it matters.
  (void)th::probe::prepare_host();
  auto probe = th::probe::Probe::open(options, why);
  if (!probe) why = "cannot load the probe: " + why;
  return probe;
}

std::string attack_program(std::string_view name) {
  return std::string(TH_ATTACK_DIR) + "/" + std::string(name);
}

Child::Child(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  out_fd_ = fds[0];
}

Child::~Child() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    wait();
  }
  if (out_fd_ >= 0) close(out_fd_);
}

std::optional<std::string> Child::read_line(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n <= 0) {
      if (buffered_.empty()) return std::nullopt;
      return std::exchange(buffered_, {});  // a last line without a newline
    }
    buffered_.append(buf, static_cast<std::size_t>(n));
  }
}

std::vector<std::string> Child::read_remaining_lines() {
  std::vector<std::string> lines;
  while (auto line = read_line(2000)) lines.push_back(*line);
  return lines;
}

bool Child::exited() {
  if (reaped_) return true;
  pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return reaped_;
}

int Child::wait() {
  while (!reaped_) {
    pid_t r = waitpid(pid_, &status_, 0);
    if (r == pid_ || (r < 0 && errno != EINTR)) reaped_ = true;
  }
  return status_;
}

void EventLog::drain(th::probe::Probe& probe) {
  auto keep = [this](th::Event& ev) { events.push_back(ev); };
  while (probe.poll(0, keep) > 0) {
  }
}

int EventLog::collect_until_exit(th::probe::Probe& probe, Child& child) {
  auto keep = [this](th::Event& ev) { events.push_back(ev); };
  while (!child.exited()) probe.poll(20, keep);
  drain(probe);
  return child.status();
}

std::vector<th::Event> EventLog::where(const std::function<bool(const th::Event&)>& pred) const {
  std::vector<th::Event> out;
  for (const auto& e : events)
    if (pred(e)) out.push_back(e);
  return out;
}

std::vector<th::Event> EventLog::by_actor(pid_t pid) const {
  return where([pid](const th::Event& e) { return e.actor.pid == pid; });
}

std::vector<th::Event> EventLog::by_actor(pid_t pid, th::EvtType type) const {
  return where([pid, type](const th::Event& e) { return e.actor.pid == pid && e.type == type; });
}

Victim Victim::start(int threads) {
  Victim v;
  v.child = std::make_unique<Child>(std::vector<std::string>{
      attack_program("victim"), "--threads", std::to_string(threads), "--seconds", "120"});
  auto line = v.child->read_line();
  if (!line) throw std::runtime_error("victim did not start");
  auto j = nlohmann::json::parse(*line);
  v.pid = j.at("pid").get<pid_t>();
  v.tids = j.at("tids").get<std::vector<pid_t>>();
  v.canary = std::stoull(j.at("canary").get<std::string>(), nullptr, 16);
  return v;
}

void Victim::expect_alive_and_unchanged() {
  ASSERT_FALSE(child->exited()) << "the victim died: status " << child->status();
  kill(pid, SIGTERM);
  int status = child->wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "victim status " << status << " (exit 3 means its memory changed)";
}

ProgramRun run_program(th::probe::Probe& probe, EventLog& log, const std::vector<std::string>& argv) {
  Child child(argv);
  ProgramRun run;
  run.pid = child.pid();
  run.status = log.collect_until_exit(probe, child);
  for (const auto& line : child.read_remaining_lines()) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) run.report = j;  // the last JSON line is the program's report
  }
  return run;
}

std::vector<int64_t> requests_of(const std::vector<th::Event>& events) {
  std::vector<int64_t> out;
  for (const auto& e : events) out.push_back(e.request);
  return out;
}

uint64_t own_pid_namespace() {
  struct stat st {};
  return stat("/proc/self/ns/pid", &st) == 0 ? st.st_ino : 0;
}

std::vector<std::string> in_new_pid_namespace(const std::vector<std::string>& injectors) {
  std::string script =
      "out=$(mktemp); " + attack_program("victim") + " --seconds 60 > $out & v=$!; "
      "until [ -s $out ]; do sleep 0.02; done; cat $out; rm -f $out; ";
  for (const auto& cmd : injectors) script += cmd + " $v || exit 9; ";
  script += "kill $v; wait $v; echo \"{\\\"victim_status\\\":$?}\"";
  return {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script};
}

pid_t namespaced_victim_host_pid(const EventLog& log, pid_t victim_vpid) {
  auto execs = log.where([&](const th::Event& e) {
    return e.type == th::EvtType::execve && e.actor.vpid == victim_vpid &&
           e.exepath.ends_with("/victim") && e.actor.pidns != own_pid_namespace();
  });
  return execs.size() == 1 ? execs[0].actor.pid : 0;
}

}  // namespace probe_test
