// Fileless execution: copies a program (default /bin/true) into a memfd and fexecve()s it, the
// way droppers run code that never touches the disk. Prints its pid before the exec.
//   exec_memfd [--program PATH] [--name NAME] [--via-loader] [--deleted]
//     --via-loader  keep the descriptor across the exec and run the dynamic loader on
//                   /proc/self/fd/N instead: the kernel executes only ld.so
//     --deleted     a file written to /tmp and unlinked instead of a memfd (with --via-loader)
// argv of the program run is NAME x1 x2.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "common.h"

extern char** environ;

namespace {

constexpr const char* kLoader = "/lib64/ld-linux-x86-64.so.2";

// A descriptor holding a copy of `program`: a memfd, or an unlinked file in /tmp.
int copy_program(const std::string& program, const std::string& name, bool deleted, int flags) {
  int src = open(program.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) attack::die("open " + program);
  struct stat st {};
  if (fstat(src, &st) != 0) attack::die("fstat");
  int fd = -1;
  if (deleted) {
    std::string path = "/tmp/" + name + "-XXXXXX";
    fd = mkostemp(path.data(), flags & MFD_CLOEXEC ? O_CLOEXEC : 0);
    if (fd < 0) attack::die("mkostemp");
    fchmod(fd, 0700);
    unlink(path.c_str());
  } else {
    fd = memfd_create(name.c_str(), static_cast<unsigned>(flags));
    if (fd < 0) attack::die("memfd_create");
  }
  off_t off = 0;
  while (off < st.st_size)
    if (sendfile(fd, src, &off, static_cast<size_t>(st.st_size - off)) <= 0) attack::die("sendfile");
  close(src);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false,
                                         "[--program PATH] [--name NAME] [--via-loader] [--deleted]");
  std::string program = args.get("program", "/bin/true");
  std::string name = args.get("name", "th-memfd");
  bool via_loader = args.has("via-loader"), deleted = args.has("deleted");
  int fd = copy_program(program, name, deleted, via_loader ? 0 : MFD_CLOEXEC);
  std::string fd_path = "/proc/self/fd/" + std::to_string(fd);
  attack::Report report("exec_memfd");
  report.add_number("pid", getpid())
      .add_string("program", program)
      .add_string("memfd", "memfd:" + name)
      .add_strings("argv", {name, "x1", "x2"});
  if (via_loader) report.add_string("loader", kLoader).add_string("fd_path", fd_path);
  report.print();
  if (via_loader) {
    // ld.so --argv0 NAME /proc/self/fd/N x1 x2: the loader maps and runs the copy itself.
    char* new_argv[] = {const_cast<char*>(kLoader), const_cast<char*>("--argv0"), name.data(),
                        fd_path.data(), const_cast<char*>("x1"), const_cast<char*>("x2"), nullptr};
    execve(kLoader, new_argv, environ);
    attack::die("execve ld.so");
  }
  char* new_argv[] = {name.data(), const_cast<char*>("x1"), const_cast<char*>("x2"), nullptr};
  fexecve(fd, new_argv, environ);
  attack::die("fexecve");
}
