#include "probe/load_child.h"

#include <bpf/libbpf.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>

#include <spdlog/spdlog.h>

#include "probe/libbpf_log.h"

namespace th::probe {
namespace {

// The messages, one per SOCK_SEQPACKET datagram: a small flat struct, sent up to its used part.
enum class Part : uint32_t {
  maps,            // arg fds attached (SCM_RIGHTS), named in body, kNameBytes each
  links,           // the same
  libbpf_message,  // arg: its libbpf_print_level; body: the text
  error,           // body: a piece of the error text (appended)
  done,            // the last message: the child exits next
};
constexpr std::size_t kNameBytes = 64;
constexpr std::size_t kFdsPerMessage = 64;
struct Message {
  uint32_t part;
  uint32_t arg;
  char body[kFdsPerMessage * kNameBytes];
};
constexpr std::size_t kHeaderBytes = offsetof(Message, body);
static_assert(sizeof(Message) == kHeaderBytes + kFdsPerMessage * kNameBytes);

bool send_message(int socket, const Message& m, std::size_t body_bytes, const int* fds = nullptr,
                  std::size_t nfds = 0) {
  iovec iov{const_cast<Message*>(&m), kHeaderBytes + body_bytes};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kFdsPerMessage)];
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  for (;;) {
    if (sendmsg(socket, &msg, MSG_NOSIGNAL) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

bool send_fds(int socket, Part part, const LoaderChannel::Fds& fds) {
  for (std::size_t first = 0; first < fds.size(); first += kFdsPerMessage) {
    const std::size_t n = std::min(kFdsPerMessage, fds.size() - first);
    Message m{static_cast<uint32_t>(part), static_cast<uint32_t>(n), {}};
    int raw[kFdsPerMessage];
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& name = fds[first + i].first;
      std::memcpy(m.body + i * kNameBytes, name.data(), std::min(name.size(), kNameBytes - 1));
      raw[i] = fds[first + i].second;
    }
    if (!send_message(socket, m, n * kNameBytes, raw, n)) return false;
  }
  return true;
}

void send_text(int socket, Part part, uint32_t arg, std::string_view text) {
  Message m{static_cast<uint32_t>(part), arg, {}};
  do {
    const std::size_t n = std::min(text.size(), sizeof(m.body));
    std::memcpy(m.body, text.data(), n);
    text.remove_prefix(n);
    if (!send_message(socket, m, n)) return;
  } while (!text.empty());
}

// The child's libbpf callback: each message goes to the detector at once (so that one of a
// child that dies later still arrives), the warnings also to a plain buffer for its errors.
int g_child_socket = -1;
bool g_child_debug = false;
std::string* g_child_warnings = nullptr;

int send_libbpf_message(libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG && !g_child_debug) return 0;
  char line[1024];
  std::string_view text = format_libbpf_message(line, fmt, args);
  if (level != LIBBPF_DEBUG) g_child_warnings->append(text);
  send_text(g_child_socket, Part::libbpf_message, static_cast<uint32_t>(level), text);
  return 0;
}

[[noreturn]] void run_child(int socket, pid_t parent, bool debug, const ChildLoad& load) {
  // A detector killed mid-load takes its loader along; one gone before this line: exit now.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  std::string warnings;
  g_child_socket = socket;
  g_child_debug = debug;
  g_child_warnings = &warnings;
  libbpf_set_print(send_libbpf_message);
  std::string error;
  try {
    LoaderChannel channel(socket);
    error = load(channel, warnings);
  } catch (const std::exception& e) {
    error = std::string("the probe loader process failed: ") + e.what();
  } catch (...) {
    error = "the probe loader process failed";
  }
  if (!error.empty()) send_text(socket, Part::error, 0, error);
  Message done{static_cast<uint32_t>(Part::done), 0, {}};
  send_message(socket, done, 0);
  _exit(0);  // no destructors: what it loaded stays as the detector now holds it
}

constexpr const char* kMalformed = "the probe loader process sent a malformed message";

// Takes one message into `reply` (the child's error into reply.error); false if it is not one
// the child sends.
bool take_message(const Message& m, std::size_t len, std::vector<UniqueFd>& fds, LoaderReply& reply) {
  const std::size_t body = len - kHeaderBytes;
  switch (static_cast<Part>(m.part)) {
    case Part::maps:
    case Part::links: {
      if (m.arg != fds.size() || body != fds.size() * kNameBytes) break;
      auto& into = static_cast<Part>(m.part) == Part::maps ? reply.maps : reply.links;
      for (std::size_t i = 0; i < fds.size(); ++i)
        into.push_back({std::string(m.body + i * kNameBytes, strnlen(m.body + i * kNameBytes, kNameBytes)),
                        std::move(fds[i])});
      return true;
    }
    case Part::libbpf_message:
      if (!fds.empty()) break;
      replay_libbpf_message(static_cast<int>(m.arg), std::string_view(m.body, body));
      return true;
    case Part::error:
      if (!fds.empty()) break;
      reply.error.append(m.body, body);
      return true;
    case Part::done:
      if (!fds.empty()) break;
      return true;
  }
  return false;
}

// Reads one message: 1 when taken, 0 at the end of the stream, -1 on error (`failure`).
int receive(int socket, Message& m, LoaderReply& reply, std::string& failure) {
  iovec iov{&m, sizeof(m)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kFdsPerMessage)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) {
    failure = std::string("cannot read from the probe loader process: ") + std::strerror(errno);
    return -1;
  }
  std::vector<UniqueFd> fds;  // owned at once: closed on any error below
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.emplace_back(fd);
    }
  }
  if (n == 0) return 0;
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || static_cast<std::size_t>(n) < kHeaderBytes ||
      !take_message(m, static_cast<std::size_t>(n), fds, reply)) {
    failure = kMalformed;
    return -1;
  }
  return 1;
}

// Reads until `done`, the end of the stream, an error (`failure`) or the deadline (`timed_out`).
// True when done came.
bool read_reply(int socket, std::chrono::milliseconds deadline, LoaderReply& reply,
                std::string& failure, bool& timed_out) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + deadline;
  auto m = std::make_unique<Message>();
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      return false;
    }
    pollfd p{socket, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (r < 0 && errno != EINTR) {
      failure = std::string("cannot wait for the probe loader process: ") + std::strerror(errno);
      return false;
    }
    if (r <= 0) continue;
    int got = receive(socket, *m, reply, failure);
    if (got <= 0) return false;
    if (static_cast<Part>(m->part) == Part::done) return true;
  }
}

std::string describe_end(int status) {
  if (WIFSIGNALED(status))
    return "the probe loader process died of signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  if (WIFEXITED(status))
    return "the probe loader process exited with status " + std::to_string(WEXITSTATUS(status)) +
           " before it finished";
  return "the probe loader process ended before it finished";
}

std::string describe(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

bool LoaderChannel::send_maps(const Fds& fds) { return send_fds(socket_, Part::maps, fds); }
bool LoaderChannel::send_links(const Fds& fds) { return send_fds(socket_, Part::links, fds); }

LoaderReply load_in_child(const ChildLoad& load, std::chrono::milliseconds deadline) {
  LoaderReply reply;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    reply.error = std::string("cannot create the probe loader's socket: ") + std::strerror(errno);
    return reply;
  }
  UniqueFd ours(sv[0]), theirs(sv[1]);
  const pid_t parent = getpid();
  const bool debug = spdlog::should_log(spdlog::level::debug);
  const pid_t child = fork();
  if (child < 0) {
    reply.error = std::string("cannot start the probe loader process: ") + std::strerror(errno);
    return reply;
  }
  if (child == 0) {
    ours.reset();
    run_child(theirs.get(), parent, debug, load);
  }
  theirs.reset();  // the child's end: the stream ends when the child is gone

  std::string failure;
  bool timed_out = false;
  const bool done = read_reply(ours.get(), deadline, reply, failure, timed_out);
  if (!done) kill(child, SIGKILL);
  int status = 0;
  rusage usage{};
  pid_t waited;
  while ((waited = wait4(child, &status, 0, &usage)) < 0 && errno == EINTR) {
  }
  if (waited == child)
    spdlog::debug("probe: loader process {} ended ({}), its peak resident memory {} KiB", child,
                  WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                    : "signal " + std::to_string(WTERMSIG(status)),
                  usage.ru_maxrss);
  if (done) return reply;
  // What it sent is released (closing the links detaches its programs).
  reply.maps.clear();
  reply.links.clear();
  if (timed_out)
    reply.error = "the probe loader process did not finish within " + describe(deadline) + " and was killed";
  else if (!failure.empty())
    reply.error = failure;
  else
    reply.error = waited == child ? describe_end(status) : "the probe loader process ended before it finished";
  return reply;
}

}  // namespace th::probe
