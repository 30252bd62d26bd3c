// Creates processes and a thread every way the probe must tell apart: fork() (glibc: clone),
// vfork(), the fork syscall itself, and pthread_create() (glibc: clone3 with CLONE_THREAD).
// Prints the ids it created.
//   fork_variants
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"

namespace {
pid_t g_thread_tid = 0;
void* thread_main(void*) {
  g_thread_tid = static_cast<pid_t>(syscall(SYS_gettid));
  return nullptr;
}
pid_t reap(pid_t child) {
  if (child < 0) attack::die("fork");
  waitpid(child, nullptr, 0);
  return child;
}
}  // namespace

int main(int argc, char** argv) {
  attack::parse_args(argc, argv, false, "");
  pid_t forked = fork();
  if (forked == 0) _exit(0);
  reap(forked);
  pid_t vforked = vfork();
  if (vforked == 0) _exit(0);
  reap(vforked);
  pid_t raw = static_cast<pid_t>(syscall(SYS_fork));
  if (raw == 0) _exit(0);
  reap(raw);
  pthread_t t;
  if (pthread_create(&t, nullptr, thread_main, nullptr) != 0) attack::die("pthread_create");
  pthread_join(t, nullptr);
  attack::Report("fork_variants")
      .add_number("pid", getpid())
      .add_number("fork", forked)
      .add_number("vfork", vforked)
      .add_number("fork_syscall", raw)
      .add_number("thread", g_thread_tid)
      .print();
  return 0;
}
