// Ordinary io_uring work, for the benign end-to-end test and the cost measurement of the io_uring
// hooks: writes to regular files (plain, vectored and from a registered buffer), optionally a
// write into its own memory file, and a number of small requests to /dev/null.
//   iouring_workload [--files N] [--blocks M] [--block-size B] [--self-mem] [--null-writes K]
//                    [--dir D]
// Prints one JSON line with the requests it made.
#include <fcntl.h>
#include <liburing.h>
#include <sys/uio.h>

#include "common.h"

namespace {

constexpr unsigned kDepth = 64;

struct Ring {
  io_uring ring{};
  unsigned in_flight = 0;
  long long requests = 0;

  Ring() {
    if (int err = io_uring_queue_init(kDepth, &ring, 0); err < 0) {
      errno = -err;
      attack::die("io_uring_queue_init");
    }
  }
  ~Ring() { io_uring_queue_exit(&ring); }

  io_uring_sqe* sqe() {
    if (in_flight == kDepth) drain();
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (!s) attack::die("io_uring_get_sqe");
    ++in_flight;
    ++requests;
    return s;
  }
  void drain() {
    io_uring_submit(&ring);
    while (in_flight > 0) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) != 0) attack::die("io_uring_wait_cqe");
      if (cqe->res < 0) {
        errno = -cqe->res;
        attack::die("io_uring request");
      }
      io_uring_cqe_seen(&ring, cqe);
      --in_flight;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(
      argc, argv, false,
      "[--files N] [--blocks M] [--block-size B] [--self-mem] [--null-writes K] [--dir D]");
  const unsigned files = args.number("files", 2);
  const unsigned blocks = args.number("blocks", 16);
  const std::size_t block = args.number("block-size", 4096);
  const unsigned long long null_writes = args.number("null-writes", 0);
  const std::string dir = args.get("dir", "/tmp");

  Ring r;
  std::vector<char> data(block, 'x');
  iovec iov{data.data(), block};
  if (int err = io_uring_register_buffers(&r.ring, &iov, 1); err < 0) {
    errno = -err;
    attack::die("io_uring_register_buffers");
  }
  for (unsigned f = 0; f < files; ++f) {
    std::string path = dir + "/iouring_workload." + std::to_string(getpid()) + "." + std::to_string(f);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) attack::die("open " + path);
    unlink(path.c_str());
    for (unsigned b = 0; b < blocks; ++b) {
      uint64_t off = uint64_t{b} * block;
      switch (b % 3) {
        case 0: io_uring_prep_write(r.sqe(), fd, data.data(), block, off); break;
        case 1: io_uring_prep_writev(r.sqe(), fd, &iov, 1, off); break;
        default: io_uring_prep_write_fixed(r.sqe(), fd, data.data(), block, off, 0);
      }
    }
    r.drain();
    close(fd);
  }
  bool self_mem = args.has("self-mem");
  if (self_mem) {
    // Its own memory: a byte of `data` written onto itself through /proc/self/mem.
    int fd = open("/proc/self/mem", O_RDWR);
    if (fd < 0) attack::die("open /proc/self/mem");
    io_uring_prep_write(r.sqe(), fd, data.data(), 1, reinterpret_cast<uint64_t>(data.data()));
    r.drain();
    close(fd);
  }
  if (null_writes > 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) attack::die("open /dev/null");
    for (unsigned long long i = 0; i < null_writes; ++i)
      io_uring_prep_write(r.sqe(), fd, data.data(), 1, 0);
    r.drain();
    close(fd);
  }
  attack::Report("iouring_workload")
      .add_number("pid", getpid())
      .add_number("requests", r.requests)
      .add_number("files", files)
      .add_number("blocks", blocks)
      .print();
  return 0;
}
