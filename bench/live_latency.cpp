// Live alert latency: from just before a real syscall to the alert's line on tracehound's stdout.
// Starts `tracehound run --format json` with a one-rule file of its own, then makes N ptrace
// calls (PTRACE_PEEKUSER on a child it traces, each with a distinct address) spaced apart,
// reads the alerts as they arrive and reports min/p50/p90/p99/max in milliseconds.
//   usage: live_latency TRACEHOUND [N=500] [GAP_MS=5]      (root: the probe needs it)
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

const char* kRules = R"(- rule: latency probe
  desc: PTRACE_PEEKUSER calls of the latency benchmark
  condition: evt.type = ptrace and ptrace.request = PTRACE_PEEKUSER and proc.name = th-latency
  output: "latency probe addr=%ptrace.addr"
  priority: DEBUG
  fold: false
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TRACEHOUND [N] [GAP_MS]\n", argv[0]);
    return 2;
  }
  int n = argc > 2 ? std::atoi(argv[2]) : 500;
  int gap_ms = argc > 3 ? std::atoi(argv[3]) : 5;
  char rules_path[] = "/tmp/th-latency-rules-XXXXXX";
  int rfd = mkstemp(rules_path);
  if (rfd < 0 || write(rfd, kRules, std::strlen(kRules)) < 0) return 2;
  close(rfd);
  std::string yaml = std::string(rules_path) + ".yaml";
  rename(rules_path, yaml.c_str());

  int out[2], err[2];
  if (pipe(out) || pipe(err)) return 2;
  pid_t th = fork();
  if (th == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    // Every call must give an alert: the per-rule rate limit would keep all but the first few.
    execl(argv[1], argv[1], "run", "--format", "json", "--rules", yaml.c_str(), "--metrics-port",
          "0", "-o", "rate_limit.enabled=false", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  // Wait for "watching" on the log.
  std::string log;
  char buf[4096];
  while (log.find("watching") == std::string::npos) {
    ssize_t r = read(err[0], buf, sizeof buf);
    if (r <= 0) {
      std::fprintf(stderr, "tracehound did not start:\n%s\n", log.c_str());
      return 1;
    }
    log.append(buf, static_cast<std::size_t>(r));
  }
  std::thread drain_log([&] {
    while (read(err[0], buf, sizeof buf) > 0) {
    }
  });

  // A traced child to PEEKUSER: the calls succeed and cost the tracee nothing.
  pid_t child = fork();
  if (child == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    pause();
    _exit(0);
  }
  waitpid(child, nullptr, 0);
  prctl(PR_SET_NAME, "th-latency", 0, 0, 0);

  std::map<uint64_t, uint64_t> sent;  // addr -> time before the syscall
  std::map<uint64_t, uint64_t> seen;  // addr -> time the alert line was read
  std::thread reader([&] {
    std::string pending;
    char b[65536];
    while (seen.size() < static_cast<std::size_t>(n)) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) break;
      ssize_t r = read(out[0], b, sizeof b);
      if (r <= 0) break;
      uint64_t t = now_ns();
      pending.append(b, static_cast<std::size_t>(r));
      for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        auto j = nlohmann::json::parse(pending.substr(0, nl), nullptr, false);
        pending.erase(0, nl + 1);
        if (j.is_discarded() || !j.contains("output_fields")) continue;
        auto addr = j["output_fields"]["ptrace.addr"];
        if (addr.is_number()) seen[addr.get<uint64_t>()] = t;
      }
    }
  });
  for (int i = 0; i < n; ++i) {
    uint64_t addr = static_cast<uint64_t>(i) * 8;  // user-area offsets: 8-byte aligned
    addr %= 27 * 8;                                 // stay inside struct user_regs_struct
    addr += static_cast<uint64_t>(i / 27) << 32;    // distinct per call; the kernel rejects it
    sent[addr] = now_ns();
    ptrace(PTRACE_PEEKUSER, child, reinterpret_cast<void*>(addr), nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  reader.join();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  kill(th, SIGTERM);
  waitpid(th, nullptr, 0);
  drain_log.join();
  unlink(yaml.c_str());

  std::vector<double> ms;
  for (const auto& [addr, t0] : sent)
    if (auto it = seen.find(addr); it != seen.end()) ms.push_back((it->second - t0) / 1e6);
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) {
    std::fprintf(stderr, "no alerts received\n");
    return 1;
  }
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))]; };
  std::printf("alerts %zu/%d  latency ms: min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
              ms.size(), n, ms.front(), pct(0.5), pct(0.9), pct(0.99), ms.back());
  return ms.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
