// Flood control, live: a process repeating one call has every call either sent or counted
// (never lost silently), the counts name it, and fork/exec/exit are never aggregated. The
// flooders are tests/attack/flood, unprivileged (user nobody) where it matters.
#include <sys/ptrace.h>

#include "live_fixture.h"

namespace probe_test {
namespace {

const std::vector<std::string> kAsNobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups"};

struct FloodRun {
  pid_t flooder = 0;     // the process that made the calls
  long long calls = 0;   // how many it made
};

FloodRun flood_report(const std::vector<std::string>& lines) {
  FloodRun r;
  for (const auto& l : lines) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.contains("flooder_pid")) r.flooder = j["flooder_pid"];
    if (j.contains("calls")) r.calls = j["calls"];
  }
  return r;
}

std::vector<std::string> flood_argv(const std::string& kind, const std::string& seconds,
                                    bool as_nobody = true) {
  std::vector<std::string> argv = as_nobody ? kAsNobody : std::vector<std::string>{};
  argv.insert(argv.end(), {attack_program("flood"), "--kind", kind, "--seconds", seconds});
  return argv;
}

class LiveFlood : public LiveProbeTest {
 protected:
  FloodRun flood(const std::string& kind, const std::string& seconds) {
    Child c(flood_argv(kind, seconds));
    log_.collect_until_exit(probe(), c);
    return flood_report(c.remaining_lines());
  }
  // What flood control says about `pid`, summed over its streams.
  th::probe::Flooder held_for(pid_t pid) {
    th::probe::Flooder sum;
    for (const auto& f : probe().flooders()) {
      if (f.pid != pid) continue;
      sum.pid = pid;
      sum.uid = f.uid;
      sum.comm = f.comm;
      sum.held += f.held;
      sum.dropped += f.dropped;
    }
    return sum;
  }
};

TEST_F(LiveFlood, EveryTracemeIsSentOrCountedAndTheFlooderIsNamed) {
  auto before = probe().stats();
  FloodRun r = flood("traceme", "1.5");
  ASSERT_GT(r.flooder, 0);
  ASSERT_GT(r.calls, 10000) << "a flood makes many calls";
  auto sent = log_.by_actor(r.flooder, th::EvtType::ptrace);
  th::probe::Flooder f = held_for(r.flooder);
  EXPECT_EQ(f.pid, r.flooder) << "the flooder is named";
  EXPECT_EQ(f.uid, 65534u);
  EXPECT_EQ(f.comm, "flood");
  EXPECT_EQ(f.dropped, 0u);
  EXPECT_EQ(static_cast<long long>(sent.size() + f.held), r.calls)
      << "every call is sent or counted: sent " << sent.size() << ", held " << f.held;
  // The burst per key and window (1024 a second) bounds what reaches user space: at most 3
  // windows here.
  EXPECT_LE(sent.size(), 3u * 1024u);
  auto after = probe().stats();
  EXPECT_GE(after.kinds[TH_KIND_PTRACE].held - before.kinds[TH_KIND_PTRACE].held, f.held);
}

TEST_F(LiveFlood, ForksAndExitsAreNeverAggregated) {
  FloodRun r = flood("fork", "1");
  ASSERT_GT(r.flooder, 0);
  ASSERT_GT(r.calls, 300);
  auto forks = log_.where([&](const th::Event& e) {
    return e.actor.pid == r.flooder && e.type == th::EvtType::clone && e.child_pid != r.flooder;
  });
  auto exits = log_.where([&](const th::Event& e) {
    return e.type == th::EvtType::procexit && e.actor.ppid == r.flooder;
  });
  EXPECT_EQ(static_cast<long long>(forks.size()), r.calls);
  EXPECT_EQ(static_cast<long long>(exits.size()), r.calls);
}

TEST_F(LiveFlood, AnInjectionDuringAFloodArrivesWhole) {
  Child traceme1(flood_argv("traceme", "20")), traceme2(flood_argv("traceme", "20")),
      attach(flood_argv("attach-init", "20"));
  for (Child* c : {&traceme1, &traceme2, &attach}) ASSERT_TRUE(c->line()) << "flooder started";
  // The flood is on once the kernel holds records back.
  const uint64_t held_at_start = probe().stats().kinds[TH_KIND_PTRACE].held;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (probe().stats().kinds[TH_KIND_PTRACE].held == held_at_start &&
         std::chrono::steady_clock::now() < deadline)
    log_.drain(probe());
  Victim v = Victim::start();
  auto before = probe().stats();
  ProgramRun inj = run({attack_program("inject_ptrace_poketext"), std::to_string(v.pid)});
  ASSERT_EQ(inj.status, 0);
  pid_t injector = inj.report.value("tracer_pid", 0);
  auto mine = log_.by_actor(injector, th::EvtType::ptrace);
  std::vector<int64_t> reqs = requests_of(mine);
  EXPECT_NE(std::find(reqs.begin(), reqs.end(), PTRACE_ATTACH), reqs.end());
  EXPECT_NE(std::find(reqs.begin(), reqs.end(), PTRACE_POKETEXT), reqs.end());
  auto after = probe().stats();
  for (int k : {TH_KIND_FORK, TH_KIND_EXEC, TH_KIND_EXIT})
    EXPECT_EQ(after.kinds[k].drops, before.kinds[k].drops) << "kind " << k;
  EXPECT_GT(after.kinds[TH_KIND_PTRACE].held, held_at_start) << "the flood ran";
  v.expect_alive_and_unchanged();
}

}  // namespace
}  // namespace probe_test
