// Fileless execution: copies a program (default /bin/true) into a memfd and fexecve()s it, the
// way droppers run code that never touches the disk. Prints its pid before the exec.
//   exec_memfd [--program PATH] [--name NAME] [ARGS...are not taken: argv is NAME x1 x2]
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "common.h"

extern char** environ;

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false, "[--program PATH] [--name NAME]");
  std::string program = args.get("program", "/bin/true");
  std::string name = args.get("name", "th-memfd");
  int src = open(program.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) attack::die("open " + program);
  struct stat st {};
  if (fstat(src, &st) != 0) attack::die("fstat");
  int mem = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (mem < 0) attack::die("memfd_create");
  off_t off = 0;
  while (off < st.st_size)
    if (sendfile(mem, src, &off, static_cast<size_t>(st.st_size - off)) <= 0) attack::die("sendfile");
  close(src);
  attack::Report("exec_memfd")
      .add_number("pid", getpid())
      .add_string("program", program)
      .add_string("memfd", "memfd:" + name)
      .add_strings("argv", {name, "x1", "x2"})
      .print();
  char* new_argv[] = {name.data(), const_cast<char*>("x1"), const_cast<char*>("x2"), nullptr};
  fexecve(mem, new_argv, environ);
  attack::die("fexecve");
}
