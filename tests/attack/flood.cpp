// A flooder of the detector: one process repeating one cheap event as fast as it can (or at
// --rate calls per second) for --seconds (default: until killed). Run unprivileged with
// `setpriv --reuid=65534 --regid=65534 --clear-groups` to play the local user who wants the
// detector blind. Prints one JSON line when the flood starts ({"flooder_pid": ...}: the process
// that makes the calls) and one when it ends ({"calls": N}: how many calls it made).
//   flood --kind traceme|attach-init|mem-open|fork [--seconds S] [--rate N]
//  - traceme: PTRACE_TRACEME in a loop, from a child (the first call makes the child traced by
//    this process; every later one fails with EPERM). The child dies with this process.
//  - attach-init: PTRACE_ATTACH to pid 1 in a loop (fails with EPERM unprivileged).
//  - mem-open: open and close /proc/self/mem read-write in a loop (succeeds: one's own memory).
//  - fork: fork a child that exits at once, and reap it, in a loop.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "common.h"

namespace {

using Call = void (*)();

void call_traceme() { ptrace(PTRACE_TRACEME, 0, nullptr, nullptr); }
void call_attach_init() { ptrace(PTRACE_ATTACH, 1, nullptr, nullptr); }
void call_mem_open() {
  int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (fd >= 0) close(fd);
}
void call_fork() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  if (child > 0) waitpid(child, nullptr, 0);
}

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Makes `call` for `seconds` (0: forever), paced to `rate` calls per second (0: flat out).
long long flood(Call call, double seconds, double rate) {
  const double start = now_s();
  long long calls = 0;
  for (;;) {
    for (int i = 0; i < 64; ++i) call();
    calls += 64;
    double elapsed = now_s() - start;
    if (seconds > 0 && elapsed >= seconds) return calls;
    if (rate > 0) {
      double ahead = static_cast<double>(calls) / rate - elapsed;
      if (ahead > 0) {
        timespec ts{static_cast<time_t>(ahead), static_cast<long>((ahead - static_cast<long>(ahead)) * 1e9)};
        nanosleep(&ts, nullptr);
      }
    }
  }
}

void report_start(const char* kind, pid_t flooder) {
  attack::Report("flood").add_string("kind", kind).add_number("flooder_pid", flooder)
      .add_number("uid", getuid()).print();
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args =
      attack::parse_args(argc, argv, false, "--kind traceme|attach-init|mem-open|fork [--seconds S] [--rate N]");
  std::string kind = args.get("kind");
  double seconds = std::strtod(args.get("seconds", "0").c_str(), nullptr);
  double rate = std::strtod(args.get("rate", "0").c_str(), nullptr);
  Call call = kind == "traceme" ? call_traceme : kind == "attach-init" ? call_attach_init
              : kind == "mem-open" ? call_mem_open : kind == "fork" ? call_fork : nullptr;
  if (!call) {
    std::fprintf(stderr, "flood: unknown --kind '%s'\n", kind.c_str());
    return 2;
  }
  if (kind != "traceme") {
    report_start(kind.c_str(), getpid());
    long long calls = flood(call, seconds, rate);
    attack::Report("flood").add_string("kind", kind).add_number("calls", calls).print();
    return 0;
  }
  // TRACEME makes the caller a tracee of its parent: done in a child, so that whoever started
  // this program is never made a tracer without knowing.
  pid_t child = fork();
  if (child < 0) attack::die("fork");
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(1);  // the parent is already gone
    long long calls = flood(call, seconds, rate);
    attack::Report("flood").add_string("kind", kind).add_number("calls", calls).print();
    std::fflush(stdout);
    _exit(0);
  }
  report_start("traceme", child);
  // The child is our tracee: it stops on signals (none is sent to it) and exits on its own.
  int status = 0;
  while (waitpid(child, &status, 0) == child && !WIFEXITED(status) && !WIFSIGNALED(status))
    ptrace(PTRACE_CONT, child, nullptr, reinterpret_cast<void*>(static_cast<long>(WSTOPSIG(status))));
  attack::Report("flood").add_string("kind", kind).add_number("exit", WIFEXITED(status) ? WEXITSTATUS(status) : -1).print();
  return 0;
}
