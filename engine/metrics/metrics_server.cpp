#include "engine/metrics/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace th {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

struct Conn {
  Fd fd;
  std::string peer;
  Clock::time_point opened;
  Clock::time_point deadline;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  bool writing = false;
};

std::string peer_of(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, buf, sizeof buf);
  else if (a.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, buf, sizeof buf);
  return buf;
}

std::string http_response(int status, std::string_view reason, std::string_view type,
                          const std::string& body, bool head) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                  "\r\nContent-Type: " + std::string(type) +
                  "\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
  if (!head) r += body;
  return r;
}

}  // namespace

// The poll loop: owns the listening socket, the wake-up eventfd and every connection.
class MetricsServer::Loop {
 public:
  Loop(MetricsServer& owner, Fd listener)
      : owner_(owner),
        listener_(std::move(listener)),
        wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        open_(owner.metrics_->gauge("tracehound_metrics_connections_open",
                                    "Connections open to the metrics and health endpoint")),
        served_(owner.metrics_->counter("tracehound_metrics_requests_total",
                                        "Requests answered by the metrics and health endpoint")) {}

  void stop() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
  }

  void run() {
    std::vector<pollfd> fds;
    std::vector<std::list<Conn>::iterator> order;
    for (;;) {
      fds.assign({{wake_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}});
      order.clear();
      auto now = Clock::now();
      auto next = Clock::time_point::max();
      for (auto it = conns_.begin(); it != conns_.end(); ++it) {
        fds.push_back({it->fd.get(), static_cast<short>(it->writing ? POLLOUT : POLLIN), 0});
        order.push_back(it);
        next = std::min(next, it->deadline);
      }
      // Only connections have deadlines: with none open, sleep until a connection or stop().
      int wait_ms = conns_.empty()
                        ? -1
                        : static_cast<int>(std::max<int64_t>(
                              0, std::chrono::duration_cast<std::chrono::milliseconds>(next - now)
                                         .count() +
                                     1));
      if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) return;
      if (fds[0].revents) return;  // stop()
      for (std::size_t i = 0; i < order.size(); ++i)
        if (fds[i + 2].revents) serve(order[i], fds[i + 2].revents);
      if (fds[1].revents & POLLIN) accept_all();
      expire();
      open_.set(static_cast<double>(conns_.size()));
    }
  }

 private:
  Counter& refused(const char* reason) {
    return owner_.metrics_->counter(
        "tracehound_metrics_connections_refused_total",
        "Connections to the metrics endpoint closed early (limits, timeouts, bad requests)",
        {{"reason", reason}});
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN: all taken; EMFILE and the like: try again next round
      Conn c;
      c.fd = Fd(fd);
      c.peer = peer_of(addr);
      c.opened = Clock::now();
      c.deadline = c.opened + owner_.limits_.header_timeout;
      const auto& lim = owner_.limits_;
      std::size_t same = std::count_if(conns_.begin(), conns_.end(),
                                       [&](const Conn& o) { return o.peer == c.peer; });
      if (same >= lim.max_per_peer && !evict_one(c.peer, "per_peer")) continue;
      if (conns_.size() >= lim.max_connections && !evict_one({}, "total")) continue;
      conns_.push_back(std::move(c));
    }
  }

  // Closes the oldest connection still sending its request (of `peer`, or of anyone when
  // empty). False when there is none: every one is being answered; the newcomer is refused.
  bool evict_one(const std::string& peer, const char* reason) {
    auto victim = conns_.end();
    for (auto it = conns_.begin(); it != conns_.end(); ++it)
      if (!it->writing && (peer.empty() || it->peer == peer) &&
          (victim == conns_.end() || it->opened < victim->opened))
        victim = it;
    refused(reason).inc();
    if (victim == conns_.end()) return false;
    conns_.erase(victim);
    return true;
  }

  void expire() {
    auto now = Clock::now();
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (now < it->deadline) {
        ++it;
        continue;
      }
      refused(it->writing ? "write_timeout" : "header_timeout").inc();
      it = conns_.erase(it);
    }
  }

  void serve(std::list<Conn>::iterator it, short revents) {
    Conn& c = *it;
    if (c.writing) {
      ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) c.sent += static_cast<std::size_t>(n);
      if (c.sent == c.out.size() || (n < 0 && errno != EAGAIN && errno != EINTR))
        conns_.erase(it);
      return;
    }
    char buf[4096];
    ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || (revents & (POLLERR | POLLHUP))) {
      conns_.erase(it);
      return;
    }
    if (n < 0) return;
    c.in.append(buf, static_cast<std::size_t>(n));
    std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) end = c.in.find("\n\n");
    if (end == std::string::npos) {
      if (c.in.size() > owner_.limits_.max_request_bytes) {
        refused("too_large").inc();
        respond(c, http_response(431, "Request Header Fields Too Large", "text/plain",
                                 "request too large\n", false));
      }
      return;
    }
    respond(c, answer(c.in.substr(0, end)));
  }

  void respond(Conn& c, std::string out) {
    ::shutdown(c.fd.get(), SHUT_RD);
    c.out = std::move(out);
    c.writing = true;
    c.deadline = Clock::now() + owner_.limits_.write_timeout;
    served_.inc();
  }

  // The answer to a request head ("GET /metrics HTTP/1.1\r\nHost: ...").
  std::string answer(std::string_view head) {
    std::string_view line = head.substr(0, head.find_first_of("\r\n"));
    auto sp1 = line.find(' ');
    auto sp2 = line.find(' ', sp1 == std::string_view::npos ? 0 : sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
        line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
      return http_response(400, "Bad Request", "text/plain", "bad request\n", false);
    std::string_view method = line.substr(0, sp1);
    std::string_view path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    path = path.substr(0, path.find('?'));
    bool head_only = method == "HEAD";
    if (method != "GET" && !head_only)
      return http_response(405, "Method Not Allowed", "text/plain", "GET only\n", false);
    if (path == "/metrics")
      return http_response(200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                           owner_.metrics_->render_prometheus(), head_only);
    if (path == "/healthz" || path == "/livez" || path == "/readyz") {
      Health h = owner_.live_ ? owner_.live_() : Health{};
      bool ready = path == "/readyz";
      if (h.ok && ready && owner_.ready_) h = owner_.ready_();
      if (h.ok)
        return http_response(200, "OK", "text/plain", ready ? "ready\n" : "ok\n", head_only);
      return http_response(503, "Service Unavailable", "text/plain",
                           std::string(ready ? "not ready: " : "unhealthy: ") + h.detail + "\n",
                           head_only);
    }
    return http_response(404, "Not Found", "text/plain", "not found\n", head_only);
  }

  MetricsServer& owner_;
  Fd listener_;
  Fd wake_;
  Gauge& open_;
  Counter& served_;
  std::list<Conn> conns_;
};

MetricsServer::MetricsServer(HealthFn live, Metrics* metrics, HealthFn ready)
    : live_(std::move(live)),
      ready_(std::move(ready)),
      metrics_(metrics ? metrics : &Metrics::global()) {}

MetricsServer::~MetricsServer() { stop(); }

bool MetricsServer::start(const std::string& address, int port, std::string& error) {
  if (loop_) {
    error = "the metrics server is already running";
    return false;
  }
  const std::string where = address + ":" + std::to_string(port);
  if (port < 0 || port > 65535) {
    error = "cannot listen on " + where + ": not a port number";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    error = "cannot listen on " + where + ": " + ::gai_strerror(rc);
    return false;
  }
  Fd sock(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  // Quick rebinding after a restart, but never SO_REUSEPORT, which would let a second process
  // share the port silently.
  int yes = 1;
  ::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  bool ok = sock.get() >= 0 && ::bind(sock.get(), res->ai_addr, res->ai_addrlen) == 0 &&
            ::listen(sock.get(), 128) == 0;
  ::freeaddrinfo(res);
  if (!ok) {
    error = "cannot listen on " + where + ": " + std::strerror(errno);
    return false;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                            : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  loop_ = std::make_unique<Loop>(*this, std::move(sock));
  thread_ = std::thread([l = loop_.get()] { l->run(); });
  return true;
}

void MetricsServer::stop() {
  if (!loop_) return;
  loop_->stop();
  if (thread_.joinable()) thread_.join();
  loop_.reset();
}

}  // namespace th
