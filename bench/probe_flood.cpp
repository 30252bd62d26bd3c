// High-value records lost under a flood: loads the real probe (default flood control), starts
// FLOODERS unprivileged flooders (tests/attack/flood, as user nobody) of one KIND at RATE calls
// per second each (0: flat out), and meanwhile a root injector that attaches to and writes into
// a victim it did not start (PTRACE_ATTACH + PTRACE_POKEDATA + PTRACE_DETACH) and forks short
// children, CYCLES times. Reads the ring buffers as the live detector does and counts, of the
// injector's records that must never be lost (ATTACH, POKEDATA, its children's fork and exit),
// how many arrived. Prints one JSON line per run.
//   usage: probe_flood FLOOD_PROGRAM KIND [FLOODERS=2] [RATE=0] [CYCLES=300]   (root)
//   TH_FLOOD_CONTROL=0 in the environment turns aggregation off (for comparison).
//   KIND: traceme | attach-init | mem-open | fork | none
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/event.h"
#include "probe/loader.h"

namespace {

volatile long g_word = 42;  // the word the injector writes back into the victim

pid_t spawn(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// The injector: CYCLES times ATTACH + POKEDATA (the word it read) + DETACH on `victim`, and
// one fork of a child that exits at once; 2 ms apart. Exits non-zero if a call fails.
void inject(pid_t victim, int cycles) {
  for (int i = 0; i < cycles; ++i) {
    if (ptrace(PTRACE_ATTACH, victim, nullptr, nullptr) != 0) _exit(3);
    waitpid(victim, nullptr, __WALL);
    // The victim is a fork of this program: g_word is at the same address there.
    void* addr = const_cast<long*>(&g_word);
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, victim, addr, nullptr);
    if (errno != 0 || ptrace(PTRACE_POKEDATA, victim, addr, reinterpret_cast<void*>(word)) != 0)
      _exit(4);
    ptrace(PTRACE_DETACH, victim, nullptr, nullptr);
    pid_t c = fork();
    if (c == 0) _exit(0);
    waitpid(c, nullptr, 0);
    timespec ts{0, 2'000'000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FLOOD_PROGRAM KIND [FLOODERS] [RATE] [CYCLES]\n", argv[0]);
    return 2;
  }
  std::string flood = argv[1], kind = argv[2];
  int flooders = argc > 3 ? std::atoi(argv[3]) : 2;
  std::string rate = argc > 4 ? argv[4] : "0";
  int cycles = argc > 5 ? std::atoi(argv[5]) : 300;

  th::probe::ProbeOptions opts;
  opts.ignore_tgid = getpid();
  // TH_FLOOD_CONTROL=0: no aggregation at all (the two rings stay), for comparison.
  const char* fc = std::getenv("TH_FLOOD_CONTROL");
  bool flood_control = !(fc && std::string(fc) == "0");
  if (!flood_control) opts.flood = {0, 0, 0, 0, 0, 1000};
  std::string error;
  auto probe = th::probe::Probe::open(opts, error);
  if (!probe) {
    std::fprintf(stderr, "cannot load the probe: %s\n", error.c_str());
    return 2;
  }
  // The victim: a child of ours that only sleeps; the injector is its sibling, not its parent.
  pid_t victim = fork();
  if (victim == 0) {
    for (;;) pause();
  }
  std::vector<pid_t> flood_pids;
  if (kind != "none")
    for (int i = 0; i < flooders; ++i)
      flood_pids.push_back(spawn({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", flood, "--kind", kind, "--rate", rate}));

  std::atomic<bool> done{false};
  uint64_t expected = 0, got_attach = 0, got_write = 0, got_fork = 0, got_exit = 0, seen = 0;
  pid_t injector = 0;
  std::vector<int32_t> children;
  auto on_event = [&](th::Event& e) {
    ++seen;
    if (injector == 0) return;
    if (e.actor.pid == injector && e.type == th::EvtType::ptrace && e.res == 0) {
      if (e.request == PTRACE_ATTACH) ++got_attach;
      if (e.request == PTRACE_POKEDATA) ++got_write;
    } else if (e.actor.pid == injector && e.type == th::EvtType::clone) {
      ++got_fork;
    } else if (e.type == th::EvtType::procexit && e.actor.ppid == injector) {
      ++got_exit;
    }
  };
  // Let the flood build up, then inject while it runs.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  while (std::chrono::steady_clock::now() < until) probe->poll(10, on_event);
  auto before = probe->stats();
  timespec t0{};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  injector = fork();
  if (injector == 0) {
    inject(victim, cycles);
    _exit(0);
  }
  int injector_status = 0;
  std::thread waiter([&] {
    waitpid(injector, &injector_status, 0);
    done = true;
  });
  while (!done) probe->poll(10, on_event);
  waiter.join();
  timespec t1{};
  clock_gettime(CLOCK_MONOTONIC, &t1);
  for (int i = 0; i < 50; ++i) probe->poll(10, on_event);  // what is still in the rings
  auto after = probe->stats();
  for (pid_t p : flood_pids) kill(p, SIGKILL);
  for (pid_t p : flood_pids) waitpid(p, nullptr, 0);
  kill(victim, SIGKILL);
  waitpid(victim, nullptr, 0);

  expected = 4ull * static_cast<uint64_t>(cycles);
  uint64_t got = got_attach + got_write + got_fork + got_exit;
  uint64_t held = 0, drops = 0, events = 0;
  for (int k = 0; k < TH_KIND_COUNT; ++k) {
    held += after.kinds[k].held - before.kinds[k].held;
    drops += after.kinds[k].drops - before.kinds[k].drops;
    events += after.kinds[k].events - before.kinds[k].events;
  }
  double secs = static_cast<double>(t1.tv_sec - t0.tv_sec) + static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9;
  nlohmann::ordered_json j;
  j["kind"] = kind;
  j["flood_control"] = flood_control;
  j["flooders"] = kind == "none" ? 0 : flooders;
  j["rate_per_flooder"] = rate == "0" ? std::string("max") : rate;
  j["seconds"] = secs;
  j["flood_offered_per_s"] = static_cast<double>(held + events) / secs;
  j["kernel_held"] = held;
  j["kernel_drops"] = drops;
  j["records_sent"] = events;
  j["high_value_expected"] = expected;
  j["high_value_received"] = got;
  j["high_value_lost"] = expected > got ? expected - got : 0;
  j["injector_ok"] = WIFEXITED(injector_status) && WEXITSTATUS(injector_status) == 0;
  std::printf("%s\n", j.dump().c_str());
  return 0;
}
