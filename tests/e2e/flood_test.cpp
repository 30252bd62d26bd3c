// Floods must not hide an injection (the attack of the detector itself): unprivileged flooders
// (user nobody) call PTRACE_TRACEME and PTRACE_ATTACH on pid 1 in a loop, and during the flood
// root injects a process it did not start (ATTACH + POKETEXT). With the default rules, the
// injection's attach and write alerts must arrive, and the flood report must name the
// flooders. Before flood control, the same run lost millions of records in the kernel and the
// injection with them.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <set>

#include "live_harness.h"

namespace e2e {
namespace {

const std::vector<std::string> kAsNobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups"};

// A flooder of `kind` running as nobody; its pid (the process making the calls) once started.
struct Flooder {
  explicit Flooder(const std::string& kind) {
    std::vector<std::string> argv = kAsNobody;
    argv.push_back(attack_program("flood"));
    argv.insert(argv.end(), {"--kind", kind, "--seconds", "60"});
    proc = std::make_unique<Process>(argv, /*capture_stderr=*/true);
    auto l = proc->line(std::chrono::seconds(10));
    if (!l) return;
    json j = json::parse(*l, nullptr, false);
    if (!j.is_discarded()) pid = j.value("flooder_pid", 0);
  }
  ~Flooder() {
    if (proc) proc->signal(SIGKILL);
  }
  std::unique_ptr<Process> proc;
  int64_t pid = 0;
};

// The pids the flood alerts named so far.
std::set<int64_t> named_flooders(Tracehound& th) {
  std::set<int64_t> pids;
  for (const auto& a : th.alerts()) {
    if (a["rule"] != "tracehound internal: event flood") continue;
    for (const auto& f : a["output_fields"]["tracehound.flooders"]) pids.insert(f.value("pid", 0));
  }
  return pids;
}

TEST(Flood, InjectionDuringAnUnprivilegedFloodIsStillSeen) {
  E2E_REQUIRE_LIVE();
  Tracehound th(Tracehound::Options{});
  ASSERT_TRUE(th.ready()) << th.log();
  Flooder traceme1("traceme"), traceme2("traceme"), attach("attach-init");
  for (const Flooder* f : {&traceme1, &traceme2, &attach}) ASSERT_GT(f->pid, 0) << th.log();

  // The flood is on once tracehound reports it (the kernel held records back).
  auto flood = th.wait_for([](const json& a) { return a["rule"] == "tracehound internal: event flood"; },
                           std::chrono::seconds(15));
  ASSERT_TRUE(flood) << "no flood report\n" << th.log();

  Victim v;
  auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  int64_t injector = r.value("tracer_pid", 0);
  ASSERT_GT(injector, 0) << r.dump();
  auto by_injector = [&](const std::string& rule) {
    return th.wait_for([&](const json& a) {
      return a["rule"] == rule && field_int(a, "proc.pid") == injector &&
             field_int(a, "target.pid") == v.pid();
    }, std::chrono::seconds(15));
  };
  auto attach_alert = by_injector("Ptrace attach to non-descendant process by unknown binary");
  EXPECT_TRUE(attach_alert) << "the attach was lost in the flood\n" << th.log();
  auto write_alert = by_injector("Ptrace write into non-descendant process");
  EXPECT_TRUE(write_alert) << "the write was lost in the flood\n" << th.log();
  if (write_alert) {
    EXPECT_EQ(field_str(*write_alert, "evt.arg.request"), "PTRACE_POKETEXT");
  }
  EXPECT_EQ(v.finish(), 0);

  // Every flooder is named (the report comes once per interval: wait for the next one).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
  std::set<int64_t> named = named_flooders(th);
  while ((!named.count(traceme1.pid) || !named.count(traceme2.pid) || !named.count(attach.pid)) &&
         std::chrono::steady_clock::now() < deadline) {
    th.wait_for([](const json&) { return false; }, std::chrono::seconds(1));  // reads for 1 s
    named = named_flooders(th);
  }
  for (const Flooder* f : {&traceme1, &traceme2, &attach})
    EXPECT_TRUE(named.count(f->pid)) << "flooder " << f->pid << " not named\n" << th.log();
  for (const auto& a : th.alerts()) {
    if (a["rule"] != "tracehound internal: event flood") continue;
    for (const auto& f : a["output_fields"]["tracehound.flooders"]) {
      if (f.value("pid", 0) != attach.pid) continue;
      EXPECT_EQ(f.value("uid", 0u), 65534u) << f.dump();
      EXPECT_EQ(f.value("request", ""), "PTRACE_ATTACH") << f.dump();
      EXPECT_EQ(f.value("target_pid", 0), 1) << f.dump();
      EXPECT_TRUE(f.value("failed", false)) << f.dump();
    }
  }
}

}  // namespace
}  // namespace e2e
