// The benign side of pidfd_getfd: a supervisor taking an ordinary descriptor (a pipe's write
// end) from the child it started, and writing through it. Nothing about another process's
// memory is involved, so nothing above INFORMATIONAL may come of it.
//   take_fd [--ia32]    --ia32: pidfd_getfd through the ia32 entry (int 0x80)
// Reports the taker's and the child's pids, the descriptor taken and the copy.
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"
#include "ia32.h"

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false, "[--ia32]");
  int to_parent[2], release[2];
  if (pipe(to_parent) != 0 || pipe(release) != 0) attack::die("pipe");
  pid_t child = fork();
  if (child < 0) attack::die("fork");
  if (child == 0) {
    int data[2];  // the child's own pipe: the parent takes its write end
    if (pipe(data) != 0) _exit(1);
    if (write(to_parent[1], &data[1], sizeof(int)) != sizeof(int)) _exit(1);
    char byte = 0;
    if (read(release[0], &byte, 1) != 1) _exit(1);             // the parent has written
    if (read(data[0], &byte, 1) != 1 || byte != 'x') _exit(3);  // ... through the taken end
    _exit(0);
  }
  int remote_fd = -1;
  if (read(to_parent[0], &remote_fd, sizeof(remote_fd)) != sizeof(remote_fd)) attack::die("read fd number");
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  if (pidfd < 0) attack::die("pidfd_open");
  int fd = attack::pidfd_getfd_call(pidfd, remote_fd, args.has("ia32"));
  if (fd < 0) attack::die("pidfd_getfd");
  if (write(fd, "x", 1) != 1) attack::die("write through the taken pipe");
  if (write(release[1], "x", 1) != 1) attack::die("release the child");
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    attack::die("the child did not read what was written through the taken pipe");
  attack::Report("take_fd")
      .add_number("taker_pid", getpid())
      .add_number("child_pid", child)
      .add_number("fd", fd)
      .add_number("remote_fd", remote_fd)
      .print();
  return 0;
}
