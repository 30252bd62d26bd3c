// Writes into the victim's memory through a memory-file descriptor, however the writer got it:
// reads N bytes of the victim's code and writes the same bytes back (the victim is unchanged).
//   write_mem_fd PID [--via self|inherit|scm|dup|pidfd|swap] [--call C] [--bytes N] [--addr A]
//                    [--ia32]
// --via self:    this process opens /proc/PID/mem O_RDWR and writes
//       inherit: this process opens it and forks; the child writes through the inherited copy
//       scm:     a child forked before the open receives the descriptor over a unix socket
//                (SCM_RIGHTS) and writes; it never opened anything nor inherited it
//       dup:     dup2 onto descriptor 77, the original closed, writes through 77
//       pidfd:   a child opens it; this process takes it with pidfd_getfd(2) and writes, so the
//                opener never writes and the writer never opened; --ia32: pidfd_getfd through
//                the ia32 entry (int 0x80)
//       swap:    writes from a page that userfaultfd holds back; while the kernel waits for it,
//                a second thread dup2()s /dev/null onto the descriptor, then lets the write
//                finish: the table shows /dev/null when the write returns (pwrite only)
// --call write:    lseek + write            pwrite:   pwrite64 at the address
//        writev:   lseek + writev (2 iovecs) pwritev:  pwritev at the address (2 iovecs)
//        pwritev2: lseek + pwritev2 at offset -1 (the file position)
//        int80:    lseek + write through the ia32 entry (int 0x80) from a buffer below 4 GiB
// Reports the writer's and the opener's pids.
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <thread>

#include "common.h"
#include "ia32.h"

namespace {

constexpr int kDupFd = 77;

struct Plan {
  pid_t target;
  uint64_t addr;
  std::size_t bytes;
  std::string call;
  bool ia32 = false;
};

void seek_to(int fd, uint64_t addr) {
  if (lseek(fd, static_cast<off_t>(addr), SEEK_SET) == static_cast<off_t>(-1)) attack::die("lseek");
}

long write_ia32(int fd, const void* buf, std::size_t n) {
  return attack::ia32_syscall(4, fd, static_cast<long>(reinterpret_cast<uintptr_t>(buf)),
                              static_cast<long>(n));
}

// Writes `data` at plan.addr through `fd` with the call asked for; dies unless all was written.
void write_through(int fd, const Plan& plan, const std::vector<char>& data) {
  const std::size_t n = data.size(), half = n / 2;
  iovec iov[2] = {{const_cast<char*>(data.data()), half},
                  {const_cast<char*>(data.data()) + half, n - half}};
  ssize_t done = -1;
  if (plan.call == "write") {
    seek_to(fd, plan.addr);
    done = write(fd, data.data(), n);
  } else if (plan.call == "pwrite") {
    done = pwrite(fd, data.data(), n, static_cast<off_t>(plan.addr));
  } else if (plan.call == "writev") {
    seek_to(fd, plan.addr);
    done = writev(fd, iov, 2);
  } else if (plan.call == "pwritev") {
    done = pwritev(fd, iov, 2, static_cast<off_t>(plan.addr));
  } else if (plan.call == "pwritev2") {
    seek_to(fd, plan.addr);
    done = pwritev2(fd, iov, 2, -1, 0);
  } else if (plan.call == "int80") {
    void* low = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) attack::die("mmap MAP_32BIT");
    std::memcpy(low, data.data(), n);
    seek_to(fd, plan.addr);
    long r = write_ia32(fd, low, n);
    if (r < 0) errno = static_cast<int>(-r);
    done = r < 0 ? -1 : r;
  } else {
    attack::die("bad --call");
  }
  if (done != static_cast<ssize_t>(n)) attack::die("write through the memory file (" + plan.call + ")");
}

int open_mem(pid_t target) {
  int fd = open(("/proc/" + std::to_string(target) + "/mem").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) attack::die("open /proc/PID/mem");
  return fd;
}

std::vector<char> read_back(int fd, const Plan& plan) {
  std::vector<char> data(plan.bytes);
  if (pread(fd, data.data(), data.size(), static_cast<off_t>(plan.addr)) !=
      static_cast<ssize_t>(data.size()))
    attack::die("pread");
  return data;
}

pid_t wait_ok(pid_t child) {
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    attack::die("the writing child failed");
  return child;
}

void send_fd(int sock, int fd) {
  char byte = 'f';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, 0) != 1) attack::die("sendmsg SCM_RIGHTS");
}

int receive_fd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  if (recvmsg(sock, &msg, 0) != 1) attack::die("recvmsg");
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) attack::die("no descriptor received");
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

struct Outcome {
  pid_t writer = 0;
  pid_t opener = 0;
  int fd = -1;  // the descriptor number the writer wrote through
  int remote_fd = -1;  // pidfd: the number taken from the opener
};

// A child opens the memory file and waits; this process takes the descriptor and writes.
Outcome steal_with_pidfd(const Plan& plan) {
  int to_parent[2], to_child[2];
  if (pipe(to_parent) != 0 || pipe(to_child) != 0) attack::die("pipe");
  pid_t opener = fork();
  if (opener < 0) attack::die("fork");
  if (opener == 0) {
    int fd = open_mem(plan.target);
    if (write(to_parent[1], &fd, sizeof(fd)) != sizeof(fd)) _exit(1);
    char done;
    (void)!read(to_child[0], &done, 1);  // keep the descriptor open until the taker is done
    _exit(0);
  }
  int remote_fd = -1;
  if (read(to_parent[0], &remote_fd, sizeof(remote_fd)) != sizeof(remote_fd)) attack::die("read fd number");
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, opener, 0));
  if (pidfd < 0) attack::die("pidfd_open");
  int fd = attack::pidfd_getfd_call(pidfd, remote_fd, plan.ia32);
  if (fd < 0) attack::die("pidfd_getfd");
  write_through(fd, plan, read_back(fd, plan));
  if (write(to_child[1], "x", 1) != 1) attack::die("release the opener");
  wait_ok(opener);
  close(fd);
  close(pidfd);
  return {getpid(), opener, fd, remote_fd};
}

// The write's source page is missing and registered with userfaultfd: the kernel's copy from it
// waits for the handler thread, which first replaces the descriptor, then supplies the page.
Outcome swap_during_write(const Plan& plan) {
  int fd = open_mem(plan.target);
  std::vector<char> data = read_back(fd, plan);
  int uffd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC));
  if (uffd < 0) attack::die("userfaultfd");
  uffdio_api api{UFFD_API, 0, 0};
  if (ioctl(uffd, UFFDIO_API, &api) != 0) attack::die("UFFDIO_API");
  const long page = sysconf(_SC_PAGESIZE);
  void* area = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) attack::die("mmap");
  uffdio_register reg{{reinterpret_cast<uintptr_t>(area), static_cast<uint64_t>(page)},
                      UFFDIO_REGISTER_MODE_MISSING, 0};
  if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) attack::die("UFFDIO_REGISTER");
  std::vector<char> source(page);
  std::memcpy(source.data(), data.data(), data.size());
  bool swapped = false;
  std::thread handler([&] {
    pollfd p{uffd, POLLIN, 0};
    uffd_msg msg{};
    if (poll(&p, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg)) return;
    int devnull = open("/dev/null", O_WRONLY);
    swapped = devnull >= 0 && dup2(devnull, fd) == fd;  // the table now says /dev/null
    uffdio_copy copy{reinterpret_cast<uintptr_t>(area), reinterpret_cast<uintptr_t>(source.data()),
                     static_cast<uint64_t>(page), 0, 0};
    ioctl(uffd, UFFDIO_COPY, &copy);
  });
  ssize_t done = pwrite(fd, area, data.size(), static_cast<off_t>(plan.addr));
  handler.join();
  if (!swapped) attack::die("the descriptor was not swapped during the write");
  if (done != static_cast<ssize_t>(data.size())) attack::die("pwrite through the swapped descriptor");
  close(fd);
  return {getpid(), getpid(), fd};
}

Outcome run(const std::string& via, const Plan& plan) {
  if (via == "pidfd") return steal_with_pidfd(plan);
  if (via == "swap") return swap_during_write(plan);
  if (via == "scm") {
    int socks[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, socks) != 0) attack::die("socketpair");
    pid_t child = fork();
    if (child < 0) attack::die("fork");
    if (child == 0) {
      close(socks[0]);
      int fd = receive_fd(socks[1]);
      std::vector<char> data(plan.bytes);
      if (read(socks[1], data.data(), data.size()) != static_cast<ssize_t>(data.size())) _exit(1);
      write_through(fd, plan, data);
      (void)!write(socks[1], &fd, sizeof(fd));
      _exit(0);
    }
    close(socks[1]);
    int fd = open_mem(plan.target);
    std::vector<char> data = read_back(fd, plan);
    send_fd(socks[0], fd);
    close(fd);
    if (write(socks[0], data.data(), data.size()) != static_cast<ssize_t>(data.size())) attack::die("send bytes");
    int child_fd = -1;
    if (read(socks[0], &child_fd, sizeof(child_fd)) != sizeof(child_fd)) attack::die("child fd");
    wait_ok(child);
    return {child, getpid(), child_fd};
  }
  int fd = open_mem(plan.target);
  std::vector<char> data = read_back(fd, plan);
  if (via == "inherit") {
    pid_t child = fork();
    if (child < 0) attack::die("fork");
    if (child == 0) {
      write_through(fd, plan, data);
      _exit(0);
    }
    wait_ok(child);
    close(fd);
    return {child, getpid(), fd};
  }
  if (via == "dup") {
    if (dup2(fd, kDupFd) != kDupFd) attack::die("dup2");
    close(fd);
    fd = kDupFd;
  } else if (via != "self") {
    attack::die("bad --via");
  }
  write_through(fd, plan, data);
  close(fd);
  return {getpid(), getpid(), fd};
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(
      argc, argv, true,
      "PID [--via self|inherit|scm|dup|pidfd|swap] [--call C] [--bytes N] [--addr A] [--ia32]");
  Plan plan{args.pid, args.number("addr", attack::find_exe_mapping(args.pid, "r-x")),
            static_cast<std::size_t>(args.number("bytes", 16)), args.get("call", "pwrite"),
            args.has("ia32")};
  if (!plan.addr) attack::die("no code mapping found in the target");
  if (plan.bytes < 2 || plan.bytes > 4096) attack::die("--bytes must be 2..4096");
  std::string via = args.get("via", "self");
  Outcome o = run(via, plan);
  attack::Report("write_mem_fd")
      .add_number("tracer_pid", o.writer)
      .add_number("writer_pid", o.writer)
      .add_number("opener_pid", o.opener)
      .add_number("target_pid", plan.target)
      .add_number("fd", o.fd)
      .add_number("remote_fd", o.remote_fd)
      .add_string("via", via)
      .add_string("call", plan.call)
      .add_number("addr", static_cast<long long>(plan.addr))
      .add_number("bytes", static_cast<long long>(plan.bytes))
      .print();
  return 0;
}
