// Writes into the victim's memory file through io_uring, putting back the bytes it read first:
// no write or open system call of the writer names the memory file.
//   write_mem_iouring PID [--open syscall|ring|direct] [--op write|writev|write_fixed|writev_fixed]
//                     [--at offset|filepos] [--fixed-file] [--async] [--skip-cqe] [--link]
//                     [--addr A] [--bytes N]
// --open syscall: open(2) the memory file O_RDWR, then write with io_uring
//        ring:    IORING_OP_OPENAT into the descriptor table
//        direct:  IORING_OP_OPENAT "direct" into fixed-file slot 0 (the writes then use the slot)
// --op:          the write request (write_fixed/writev_fixed: from a registered buffer)
// --at filepos:  offset -1 (the file position, set with lseek first; not with fixed files)
// --fixed-file:  register the descriptor as fixed-file slot 0 and write through the slot
// --async:       IOSQE_ASYNC: the request goes to a worker thread before its first issue
// --skip-cqe:    IOSQE_CQE_SKIP_SUCCESS: no completion for the successful write
// --link:        with --open direct: open and write in one linked submission
// --op splice:   IORING_OP_SPLICE from a pipe into the memory file: the kernel refuses it (a
//                memory file has no splice_write); reports the result instead of failing
#include <fcntl.h>
#include <liburing.h>
#include <sys/uio.h>

#include "common.h"

namespace {

struct Options {
  std::string open = "syscall", op = "write", at = "offset";
  bool fixed_file = false, async = false, skip_cqe = false, link = false;
};

// The original bytes, read through a read-only open (not a write: nothing to report there).
std::vector<char> read_original(pid_t pid, uint64_t addr, std::size_t n) {
  std::vector<char> buf(n);
  int fd = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY);
  if (fd < 0) attack::die("open mem O_RDONLY");
  if (pread(fd, buf.data(), n, static_cast<off_t>(addr)) != static_cast<ssize_t>(n)) attack::die("pread");
  close(fd);
  return buf;
}

io_uring_sqe* next_sqe(io_uring& ring) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) attack::die("io_uring_get_sqe");
  return sqe;
}

// Prepares the write request on `target` (a descriptor, or slot 0 with fixed files).
void prep_write(io_uring_sqe* sqe, const Options& o, int target, char* buf, std::size_t n,
                iovec* iov, uint64_t addr) {
  uint64_t off = o.at == "filepos" ? static_cast<uint64_t>(-1) : addr;
  if (o.op == "write") io_uring_prep_write(sqe, target, buf, n, off);
  else if (o.op == "writev") io_uring_prep_writev(sqe, target, iov, 1, off);
  else if (o.op == "write_fixed") io_uring_prep_write_fixed(sqe, target, buf, n, off, 0);
  else if (o.op == "writev_fixed") {
    // IORING_OP_WRITEV_FIXED (61, Linux 6.15): liburing 2.3 has no helper; the SQE is that of
    // writev with the opcode changed and the registered buffer's index.
    io_uring_prep_writev(sqe, target, iov, 1, off);
    sqe->opcode = 61;
    sqe->buf_index = 0;
  } else attack::die("bad --op");
  unsigned flags = 0;
  if (o.fixed_file || o.open == "direct") flags |= IOSQE_FIXED_FILE;
  if (o.async) flags |= IOSQE_ASYNC;
  if (o.skip_cqe) flags |= IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK;  // a NOP follows
  io_uring_sqe_set_flags(sqe, sqe->flags | flags);
}

// Waits for `count` completions and checks them; returns the last result.
int reap(io_uring& ring, int count, const char* what) {
  int res = 0;
  for (int i = 0; i < count; ++i) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe(&ring, &cqe) != 0) attack::die("io_uring_wait_cqe");
    res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    if (res < 0) {
      errno = -res;
      attack::die(what);
    }
  }
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(
      argc, argv, true,
      "PID [--open syscall|ring|direct] [--op write|writev|write_fixed|writev_fixed] "
      "[--at offset|filepos] [--fixed-file] [--async] [--skip-cqe] [--link]");
  Options o;
  o.open = args.get("open", "syscall");
  o.op = args.get("op", "write");
  o.at = args.get("at", "offset");
  o.fixed_file = args.has("fixed-file");
  o.async = args.has("async");
  o.skip_cqe = args.has("skip-cqe");
  o.link = args.has("link");
  uint64_t addr = args.number("addr", attack::find_exe_mapping(args.pid, "r-x"));
  std::size_t bytes = args.number("bytes", 16);
  if (!addr) attack::die("no code mapping found in the target");
  std::vector<char> buf = read_original(args.pid, addr, bytes);
  iovec iov{buf.data(), bytes};
  std::string path = "/proc/" + std::to_string(args.pid) + "/mem";

  io_uring ring;
  if (int err = io_uring_queue_init(8, &ring, 0); err < 0) {
    errno = -err;
    attack::die("io_uring_queue_init");
  }
  if (o.op == "write_fixed" || o.op == "writev_fixed")
    if (int err = io_uring_register_buffers(&ring, &iov, 1); err < 0) {
      errno = -err;
      attack::die("io_uring_register_buffers");
    }
  bool slots = o.fixed_file || o.open == "direct";
  if (slots) {
    int sparse = -1;
    if (int err = io_uring_register_files(&ring, &sparse, 1); err < 0) {
      errno = -err;
      attack::die("io_uring_register_files");
    }
  }

  int fd = -1;  // the descriptor, or -1 when the file lives only in slot 0
  int pending = 0;
  if (o.open == "syscall") {
    fd = open(path.c_str(), O_RDWR);
    if (fd < 0) attack::die("open mem O_RDWR");
  } else if (o.open == "ring") {
    io_uring_prep_openat(next_sqe(ring), AT_FDCWD, path.c_str(), O_RDWR, 0);
    io_uring_submit(&ring);
    fd = reap(ring, 1, "IORING_OP_OPENAT");
  } else if (o.open == "direct") {
    io_uring_sqe* sqe = next_sqe(ring);
    io_uring_prep_openat_direct(sqe, AT_FDCWD, path.c_str(), O_RDWR, 0, 0);
    if (o.link) {
      io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
      pending = 1;
    } else {
      io_uring_submit(&ring);
      reap(ring, 1, "IORING_OP_OPENAT direct");
    }
  } else {
    attack::die("bad --open");
  }
  if (o.fixed_file && fd >= 0)
    if (int err = io_uring_register_files_update(&ring, 0, &fd, 1); err < 0) {
      errno = -err;
      attack::die("io_uring_register_files_update");
    }
  if (o.at == "filepos") {
    if (slots) attack::die("--at filepos needs a descriptor");
    if (lseek(fd, static_cast<off_t>(addr), SEEK_SET) < 0) attack::die("lseek");
  }

  if (o.op == "splice") {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0 || write(pipe_fds[1], buf.data(), bytes) != static_cast<ssize_t>(bytes))
      attack::die("pipe");
    io_uring_prep_splice(next_sqe(ring), pipe_fds[0], -1, fd, static_cast<int64_t>(addr),
                         static_cast<unsigned>(bytes), 0);
    io_uring_submit(&ring);
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe(&ring, &cqe) != 0) attack::die("io_uring_wait_cqe");
    attack::Report("write_mem_iouring")
        .add_number("writer_pid", getpid())
        .add_number("target_pid", args.pid)
        .add_string("op", o.op)
        .add_number("res", cqe->res)
        .print();
    return 0;
  }
  prep_write(next_sqe(ring), o, slots ? 0 : fd, buf.data(), bytes, &iov, addr);
  if (o.skip_cqe) io_uring_prep_nop(next_sqe(ring));
  io_uring_submit(&ring);
  int written = static_cast<int>(bytes);
  if (o.skip_cqe) {
    // No completion comes for the successful write: a NOP linked behind it says it is done (the
    // kernel refuses IOSQE_IO_DRAIN on a ring that skips completions).
    reap(ring, pending + 1, "write (completion skipped)");
  } else {
    written = reap(ring, pending + 1, "io_uring write");
  }
  // A short write still wrote into the target (IORING_OP_WRITEV_FIXED into a memory file wrote 1
  // of 16 bytes on 6.18): reported, not an error.
  if (written <= 0) attack::die("nothing written");
  io_uring_queue_exit(&ring);
  if (fd >= 0) close(fd);

  attack::Report("write_mem_iouring")
      .add_number("writer_pid", getpid())
      .add_number("target_pid", args.pid)
      .add_string("open", o.open)
      .add_string("op", o.op)
      .add_string("path", path)
      .add_number("fd", slots ? 0 : fd)
      .add_number("addr", static_cast<long long>(addr))
      .add_number("bytes", static_cast<long long>(bytes))
      .add_number("written", written)
      .print();
  return 0;
}
