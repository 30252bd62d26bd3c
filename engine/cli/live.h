// Pieces shared by the live commands (run, capture): signal handling through a signalfd, opening
// the probe with a clear error, and the process table bootstrapped from /proc.
#pragma once

#include <csignal>
#include <cstdint>
#include <memory>
#include <string>

#include "probe/loader.h"

namespace th::cli {

// Blocks SIGINT, SIGTERM, SIGHUP and SIGUSR1 for the process and delivers them on a descriptor
// the main loop polls; restores the mask when destroyed.
class SignalFd {
 public:
  SignalFd();
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  int fd() const { return fd_; }
  // The next pending signal, 0 when none.
  int next();

 private:
  int fd_ = -1;
  sigset_t old_{};
};

// Opens the probe; on failure logs the reason (naming the missing capability) and returns null.
std::unique_ptr<probe::Probe> open_probe(const probe::ProbeOptions& options);

// Wall-clock now in ns since the epoch.
uint64_t now_ns();

}  // namespace th::cli
