// Loading the probe in a short-lived child process. While libbpf loads a BPF object it parses
// the kernel's BTF (/sys/kernel/btf/vmlinux, several MB, which libbpf 1.1 reads whole and copies
// again, plus its type indexes): freed after the load, but done in the detector it would stay in
// the detector's peak resident memory for good. The child loads and attaches, hands the
// detector the fds of the maps and links it made (SCM_RIGHTS over a socketpair), and exits
// without tearing anything down: the kernel objects live on through the detector's fds.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/unique_fd.h"

namespace th::probe {

struct NamedFd {
  std::string name;
  UniqueFd fd;
};

// What the loader child sends the detector (blocking; false with errno on failure).
class LoaderChannel {
 public:
  using Fds = std::vector<std::pair<std::string, int>>;  // name, fd (still the child's)
  explicit LoaderChannel(int socket) : socket_(socket) {}
  bool send_maps(const Fds& fds);
  bool send_links(const Fds& fds);

 private:
  int socket_;
};

struct LoaderReply {
  std::vector<NamedFd> maps;
  std::vector<NamedFd> links;
  // Empty when the load succeeded; else the child's error, or what became of the child.
  std::string error;
};

// The child's part: loads, sends the fds, and returns the error text of a failure (empty on
// success). `warnings` holds libbpf's messages so far, debug output excepted, to quote in it.
// It runs in a forked copy of a process that may have had other threads: it must not take a
// lock one of them could have held (spdlog's, among others). Nothing it leaves is destroyed.
using ChildLoad = std::function<std::string(LoaderChannel& channel, const std::string& warnings)>;

// Runs `load` in a child process and returns what it sent. libbpf's messages in the child come
// here as they are given and are logged as replay_libbpf_message says (call it under a
// LibbpfLogCapture). A child that dies, or does not finish within `deadline` (it is then
// killed), gives an error saying so.
LoaderReply load_in_child(const ChildLoad& load,
                          std::chrono::milliseconds deadline = std::chrono::seconds(60));

}  // namespace th::probe
