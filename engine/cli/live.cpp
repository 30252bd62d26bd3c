#include "engine/cli/live.h"

#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>

#include "probe/host_checks.h"

namespace th::cli {

SignalFd::SignalFd() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, &old_);
  fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

SignalFd::~SignalFd() {
  if (fd_ >= 0) close(fd_);
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

int SignalFd::next() {
  signalfd_siginfo info;
  ssize_t n = read(fd_, &info, sizeof info);
  return n == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo) : 0;
}

std::unique_ptr<probe::Probe> open_probe(const probe::ProbeOptions& options) {
  std::string error = probe::prepare_host();
  if (!error.empty()) spdlog::warn("host check: {}", error);
  auto p = probe::Probe::open(options, error);
  if (!p) spdlog::error("cannot start the probe: {}", error);
  return p;
}

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace th::cli
