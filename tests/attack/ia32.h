// System calls through the ia32 entry (int 0x80) from these 64-bit programs: the path a monitor
// that only watches x86-64 syscall numbers misses. Arguments must fit 32 bits.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace attack {

// The raw result: the return value, or -errno. `nr` is the ia32 number.
inline long ia32_syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0) {
  long ret;
  // int 0x80 clobbers r8-r11 on some kernels.
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
                   : "r8", "r9", "r10", "r11", "memory");
  return ret;
}

// As libc reports it: -1 with errno set on failure.
inline long ia32_checked(long ret) {
  if (ret >= 0) return ret;
  errno = static_cast<int>(-ret);
  return -1;
}

// pidfd_getfd(2) (438 in every ABI), through int 0x80 when `ia32`.
inline int pidfd_getfd_call(int pidfd, int remote_fd, bool ia32) {
  if (!ia32) return static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, remote_fd, 0));
  return static_cast<int>(ia32_checked(ia32_syscall(438, pidfd, remote_fd, 0)));
}

}  // namespace attack
