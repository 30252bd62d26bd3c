#include "engine/cli/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace th::cli {
namespace {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  return std::string(name ? name : "errno " + std::to_string(err)) + ": " + std::strerror(err);
}

// Why an existing file must not be written, or "" when it may.
std::string refuse_existing(const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return "it exists and is not a regular file";
  if (st.st_uid != geteuid()) return "it exists and belongs to another user (uid " +
                                     std::to_string(st.st_uid) + ")";
  if (st.st_nlink != 1) return "it exists and has " + std::to_string(st.st_nlink) +
                               " hard links";
  return {};
}

}  // namespace

int open_output_file(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EEXIST) {
    error = "cannot create (" + errno_text(errno) + ")";
    return -1;
  }
  // O_NONBLOCK: a FIFO planted in its place must not block the open.
  fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    error = err == ELOOP ? "refusing to follow a symbolic link (" + errno_text(err) + ")"
                         : "cannot open the existing file (" + errno_text(err) + ")";
    return -1;
  }
  struct stat st {};
  std::string why = ::fstat(fd, &st) != 0 ? "cannot stat (" + errno_text(errno) + ")"
                                          : refuse_existing(st);
  if (why.empty() && (::ftruncate(fd, 0) != 0 || ::fchmod(fd, 0600) != 0))
    why = "cannot truncate (" + errno_text(errno) + ")";
  if (why.empty() && ::fcntl(fd, F_SETFL, 0) != 0) why = "cannot clear O_NONBLOCK";
  if (!why.empty()) {
    ::close(fd);
    error = "refusing to write: " + why;
    return -1;
  }
  return fd;
}

}  // namespace th::cli
