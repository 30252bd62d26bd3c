#include "engine/proc/proc_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

namespace th {

std::optional<std::string> read_whole_fd(int fd, std::size_t cap) noexcept {
  try {
    std::string out;
    char buf[4096];
    while (out.size() < cap) {
      ssize_t n = ::read(fd, buf, std::min(sizeof buf, cap - out.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::nullopt;  // e.g. ESRCH: the process died mid-read
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  } catch (const std::bad_alloc&) {
    return std::nullopt;
  }
}

std::optional<std::string> read_whole_file(const std::string& path, std::size_t cap) noexcept {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  auto out = read_whole_fd(fd, cap);
  ::close(fd);
  return out;
}

char process_state(const std::string& proc_root, int pid) noexcept {
  try {
    auto stat = read_whole_file(proc_root + "/" + std::to_string(pid) + "/stat", 4096);
    if (!stat) return 0;
    auto paren = stat->rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat->size()) return 0;
    return (*stat)[paren + 2];
  } catch (const std::bad_alloc&) {
    return 0;
  }
}

}  // namespace th
