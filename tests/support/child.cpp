#include "support/child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace th::test {
namespace {

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

void PidGuard::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Child::Child(const std::vector<std::string>& argv, bool capture_stderr) {
  int out[2], err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || (capture_stderr && ::pipe2(err, O_CLOEXEC) != 0) ||
      ::pipe2(stop_, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  pid_ = ::fork();
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    if (capture_stderr) ::dup2(err[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  ::close(out[1]);
  out_.fd = out[0];
  out_.reader = std::thread([this] { pump(out_); });
  if (capture_stderr) {
    ::close(err[1]);
    err_.fd = err[0];
    err_.reader = std::thread([this] { pump(err_); });
  }
}

Child::~Child() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    reap(/*block=*/true);
  }
  if (::write(stop_[1], "x", 1) < 0) {
    // The readers end at end of output anyway.
  }
  for (Stream* s : {&out_, &err_}) {
    if (s->reader.joinable()) s->reader.join();
    close_fd(s->fd);
  }
  close_fd(stop_[0]);
  close_fd(stop_[1]);
  close_fd(pidfd_);
}

void Child::pump(Stream& s) {
  char buf[65536];
  for (;;) {
    pollfd fds[2] = {{s.fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0 && fds[0].revents == 0) break;
    ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mu_);
    s.raw.append(buf, static_cast<std::size_t>(n));
    s.pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = s.pending.find('\n')) != std::string::npos;) {
      s.lines.push_back(s.pending.substr(0, nl));
      s.pending.erase(0, nl + 1);
    }
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  if (!s.pending.empty()) s.lines.push_back(std::exchange(s.pending, {}));
  s.ended = true;
  cv_.notify_all();
}

std::optional<std::string> Child::line(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return next_line_ < out_.lines.size() || out_.ended; });
  if (next_line_ >= out_.lines.size()) return std::nullopt;
  return out_.lines[next_line_++];
}

std::vector<std::string> Child::remaining_lines(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return out_.ended; });
  std::vector<std::string> rest(out_.lines.begin() + static_cast<std::ptrdiff_t>(next_line_),
                                out_.lines.end());
  next_line_ = out_.lines.size();
  return rest;
}

std::string Child::stderr_text() {
  std::lock_guard lock(mu_);
  return err_.raw;
}

bool Child::reap(bool block) {
  if (reaped_) return true;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status_, block ? 0 : WNOHANG);
    if (r < 0 && errno == EINTR) continue;
    if (r == pid_ || r < 0) reaped_ = true;
    return reaped_;
  }
}

bool Child::exited() { return reap(/*block=*/false); }

int Child::wait_status(std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(/*block=*/false)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid_, SIGKILL);
      reap(/*block=*/true);
      break;
    }
    // The pidfd becomes readable when the child exits; without one, check every few ms.
    pollfd p{pidfd_, POLLIN, 0};
    if (pidfd_ < 0 || ::poll(&p, 1, static_cast<int>(left.count())) < 0)
      ::poll(nullptr, 0, 5);
  }
  return status_;
}

int Child::wait(std::chrono::milliseconds timeout) { return exit_code(wait_status(timeout)); }

void Child::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

}  // namespace th::test
