#include "engine/output/fd_writer.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace th {

bool write_all_fd(int fd, std::string_view data, const std::atomic<bool>& abort) {
  while (!data.empty()) {
    if (abort.load(std::memory_order_relaxed)) return false;
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) continue;
    // A pipe that polls writable has room for PIPE_BUF bytes: a write of at most that much does
    // not block even when the fd is in blocking mode.
    std::size_t chunk = std::min<std::size_t>(data.size(), PIPE_BUF);
    ssize_t n = ::write(fd, data.data(), chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace th
