// Writing to a file descriptor without ever blocking for good: a stalled reader (a full pipe
// behind stdout) must not keep shutdown waiting.
#pragma once

#include <atomic>
#include <string_view>

#include "engine/core/unique_fd.h"

namespace th {

// Writes all of `data`, waiting for the fd to be writable in 100 ms slices and giving up when
// `abort` turns true. Returns false on a write error or abort (errno tells which for errors).
bool write_all_fd(int fd, std::string_view data, const std::atomic<bool>& abort);

}  // namespace th
