// Writing to a file descriptor without ever blocking for good: a stalled reader (a full pipe
// behind stdout) must not keep shutdown waiting.
#pragma once

#include <atomic>
#include <string_view>

namespace th {

// Writes all of `data`, waiting for the fd to be writable in 100 ms slices and giving up when
// `abort` turns true. Returns false on a write error or abort (errno tells which for errors).
bool write_all_fd(int fd, std::string_view data, const std::atomic<bool>& abort);

// An owned file descriptor (closed on destruction).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace th
