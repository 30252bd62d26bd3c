// A fake container runtime API (Docker's, as podman serves it) on a unix socket, for the
// container metadata tests. cpp-httplib 0.11 cannot listen on a unix socket, so this answers
// HTTP/1.1 GETs itself: one request per connection, "Connection: close".
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace th::fake {

class FakeContainerApi {
 public:
  struct Reply {
    int status = 200;
    std::string body;
  };

  explicit FakeContainerApi(std::string socket_path) : path_(std::move(socket_path)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long");
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    ::unlink(path_.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("bind/listen " + path_);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeContainerApi() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  FakeContainerApi(const FakeContainerApi&) = delete;
  FakeContainerApi& operator=(const FakeContainerApi&) = delete;

  // Answer for a request path ("/containers/<id>/json"); unknown paths get 404.
  void set(const std::string& path, Reply r) {
    std::lock_guard lk(mu_);
    replies_[path] = std::move(r);
  }
  // Request paths received, in order.
  std::vector<std::string> requests() const {
    std::lock_guard lk(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }

  void handle(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      req.append(buf, static_cast<std::size_t>(n));
    }
    // "GET /path HTTP/1.1"
    std::size_t sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
    std::string path = req.substr(sp1 + 1, sp2 - sp1 - 1);
    Reply r{404, R"({"message":"no such container"})"};
    {
      std::lock_guard lk(mu_);
      requests_.push_back(path);
      if (auto it = replies_.find(path); it != replies_.end()) r = it->second;
    }
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Type: " +
                      "application/json\r\nContent-Length: " + std::to_string(r.body.size()) +
                      "\r\nConnection: close\r\n\r\n" + r.body;
    for (std::size_t off = 0; off < out.size();) {
      ssize_t n = ::write(c, out.data() + off, out.size() - off);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace th::fake
