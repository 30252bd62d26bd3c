// Writes to the victim's memory through its memory file, putting back the bytes it read.
//   inject_proc_mem PID [--mode pid|task|dirfd] [--tid T] [--access rw|wo|ro]
//                       [--addr A] [--bytes N] [--proc-root DIR] [--as-gdb]
// --mode pid:   /proc/PID/mem
//        task:  /proc/PID/task/TID/mem (TID: --tid, else the victim's last thread)
//        dirfd: openat(open("/proc/PID"), "mem")
// --proc-root: where procfs is mounted (default /proc)
// --access rw:  one O_RDWR open, pread then pwrite
//          wo:  an O_RDONLY open to read, then an O_WRONLY open to write
//          ro:  one O_RDONLY open, pread only (nothing is written)
#include <dirent.h>
#include <fcntl.h>

#include "common.h"

namespace {

pid_t last_thread(pid_t pid) {
  pid_t last = pid;
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (!d) return pid;
  while (dirent* e = readdir(d)) {
    pid_t t = static_cast<pid_t>(std::atoi(e->d_name));
    if (t > last) last = t;
  }
  closedir(d);
  return last;
}

struct Opener {
  std::string mode;
  std::string root;
  pid_t pid;
  pid_t tid;
  int dirfd = -1;

  std::string path() const {
    std::string p = root + "/" + std::to_string(pid);
    if (mode == "task") return p + "/task/" + std::to_string(tid) + "/mem";
    return p + "/mem";
  }
  int open_mem(int flags) {
    if (mode == "dirfd") {
      if (dirfd < 0) dirfd = open((root + "/" + std::to_string(pid)).c_str(), O_RDONLY | O_DIRECTORY);
      if (dirfd < 0) attack::die("open /proc/PID");
      return openat(dirfd, "mem", flags);
    }
    return open(path().c_str(), flags);
  }
};

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(
      argc, argv, true, "PID [--mode pid|task|dirfd] [--tid T] [--access rw|wo|ro] [--addr A] [--bytes N] "
      "[--proc-root DIR] [--as-gdb]");
  Opener opener{args.get("mode", "pid"), args.get("proc-root", "/proc"), args.pid,
                static_cast<pid_t>(args.number("tid", 0))};
  if (opener.mode != "pid" && opener.mode != "task" && opener.mode != "dirfd") attack::die("bad --mode");
  if (opener.tid == 0) opener.tid = last_thread(args.pid);
  std::string access = args.get("access", "rw");
  uint64_t addr = args.number("addr", attack::find_exe_mapping(args.pid, "r-x"));
  std::size_t bytes = args.number("bytes", 16);
  if (!addr) attack::die("no code mapping found in the target");

  std::vector<char> buf(bytes);
  std::vector<std::string> opens;
  auto do_read = [&](int fd) {
    if (pread(fd, buf.data(), bytes, static_cast<off_t>(addr)) != static_cast<ssize_t>(bytes)) attack::die("pread");
  };
  auto do_write = [&](int fd) {
    if (pwrite(fd, buf.data(), bytes, static_cast<off_t>(addr)) != static_cast<ssize_t>(bytes)) attack::die("pwrite");
  };
  if (access == "rw") {
    int fd = opener.open_mem(O_RDWR);
    if (fd < 0) attack::die("open mem O_RDWR");
    opens.push_back("O_RDWR");
    do_read(fd);
    do_write(fd);
    close(fd);
  } else if (access == "wo") {
    int rfd = opener.open_mem(O_RDONLY);
    if (rfd < 0) attack::die("open mem O_RDONLY");
    do_read(rfd);
    close(rfd);
    int wfd = opener.open_mem(O_WRONLY);
    if (wfd < 0) attack::die("open mem O_WRONLY");
    opens = {"O_RDONLY", "O_WRONLY"};
    do_write(wfd);
    close(wfd);
  } else if (access == "ro") {
    int fd = opener.open_mem(O_RDONLY);
    if (fd < 0) attack::die("open mem O_RDONLY");
    opens.push_back("O_RDONLY");
    do_read(fd);
    close(fd);
  } else {
    attack::die("bad --access");
  }
  if (opener.dirfd >= 0) close(opener.dirfd);
  attack::Report("inject_proc_mem")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", args.pid)
      .add_number("target_tid", opener.mode == "task" ? opener.tid : args.pid)
      .add_string("mode", opener.mode)
      .add_string("path", opener.path())
      .add_strings("opens", opens)
      .add_string("addr", attack::hex(addr))
      .add_number("bytes", static_cast<long long>(bytes))
      .print();
  return 0;
}
