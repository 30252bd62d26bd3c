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

std::unique_ptr<th::probe::Probe> open_probe(th::probe::ProbeOptions options, std::string& why) {
  why = th::test::missing_bpf("a live probe test");
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
  auto line = v.child->line(std::chrono::seconds(10));
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
  int status = child->wait_status();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "victim status " << status << " (exit 3 means its memory changed)";
}

ProgramRun run_program(th::probe::Probe& probe, EventLog& log, const std::vector<std::string>& argv) {
  Child child(argv);
  ProgramRun run;
  run.pid = child.pid();
  run.status = log.collect_until_exit(probe, child);
  for (const auto& line : child.remaining_lines()) {
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
