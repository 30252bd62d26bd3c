// Opening a file tracehound writes as root (capture -o) in a directory other users may write to
// (/tmp): a symbolic link or hard link planted there must not redirect the write to a file of the
// attacker's choosing.
//   - a new file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600;
//   - an existing path is opened with O_NOFOLLOW (a symbolic link fails with ELOOP) and taken
//     only when it is a regular file of this user with a single link; it is then truncated and
//     its mode set to 0600. Anything else (a link, a FIFO, a device, another user's file) is
//     refused.
#pragma once

#include <string>

namespace th::cli {

// The descriptor (O_WRONLY|O_CLOEXEC), or -1 with `error` naming the reason and errno.
int open_output_file(const std::string& path, std::string& error);

}  // namespace th::cli
