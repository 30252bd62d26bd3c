// Fields of exec events about code that reaches the new program through an inherited descriptor
// rather than through the executed file: `ld.so /proc/self/fd/N`, `python3 /dev/fd/N`, where N
// is a memfd or a deleted file. The probe reports which inherited descriptors are such files
// (Event::fileless_fds); these fields say whether an argument names one of them.
#include <charconv>
#include <string>
#include <vector>

#include "engine/eval/scratch.h"
#include "engine/fields/builtin_fields.h"

namespace th {
namespace {

constexpr int kNoFd = -1;

// `path` with repeated slashes, "." and ".." resolved lexically: "/proc//self/./fd/3" and
// "/proc/self/../self/fd/3" name the same descriptor as "/proc/self/fd/3". Lexical ".." is
// exact here: every component before "fd" is a directory or procfs's self link.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view c = path.substr(0, slash);
    if (c == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!c.empty() && c != ".") {
      out.push_back(c);
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_fd(std::string_view s) {
  int fd = kNoFd;
  if (!all_digits(s) || s.size() > 3) return kNoFd;
  std::from_chars(s.data(), s.data() + s.size(), fd);
  return fd;
}

bool names_self(std::string_view c, const Event& e) {
  if (c == "self" || c == "thread-self") return true;
  if (!all_digits(c) || c.size() > 10) return false;
  int64_t pid = 0;
  std::from_chars(c.data(), c.data() + c.size(), pid);
  return pid == e.actor.vpid || pid == e.actor.pid;
}

// The descriptor of the exec'd process that an absolute path names, kNoFd when none:
// /proc/{self,thread-self,PID}/fd/N, /proc/PID/task/TID/fd/N, /dev/fd/N, /dev/std{in,out,err}.
int descriptor_named(std::string_view path, const Event& e) {
  if (path.empty() || path.front() != '/') return kNoFd;
  auto c = components(path);
  if (c.size() == 2 && c[0] == "dev") {
    if (c[1] == "stdin") return 0;
    if (c[1] == "stdout") return 1;
    if (c[1] == "stderr") return 2;
  }
  if (c.size() == 3 && c[0] == "dev" && c[1] == "fd") return to_fd(c[2]);
  if (c.size() == 4 && c[0] == "proc" && names_self(c[1], e) && c[2] == "fd") return to_fd(c[3]);
  if (c.size() == 6 && c[0] == "proc" && names_self(c[1], e) && c[2] == "task" &&
      all_digits(c[3]) && c[4] == "fd")
    return to_fd(c[5]);
  return kNoFd;
}

bool is_exec(const Event& e) { return evt_family(e.type) == EvtFamily::exec; }

bool proc_fileless_fd_arg(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_exec(e) || e.fileless_fds == 0) return false;
  for (std::size_t i = 1; i < e.argv.size(); ++i) {
    int fd = descriptor_named(e.argv[i], e);
    if (fd >= 0 && fd < 64 && (e.fileless_fds >> fd & 1)) {
      out.push_str(e.argv[i]);
      return true;
    }
  }
  return false;
}

bool proc_has_fileless_fd(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_exec(e)) return false;
  out.push_bool(e.fileless_fds != 0);
  return true;
}

}  // namespace

void add_fileless_fields(std::vector<FieldDef>& out) {
  EvtTypeSet exec;
  exec.add(EvtType::execve);
  exec.add(EvtType::execveat);
  out.push_back({.name = "proc.fileless_fd_arg", .type = FieldType::string,
                 .description = "Exec events: the first argument that names a descriptor the "
                                "new program inherited which is a memfd or a deleted file "
                                "(/proc/self/fd/N, /dev/fd/N, /proc/PID/fd/N...), as in "
                                "`ld.so /proc/self/fd/3`; no value when none does.",
                 .extract = proc_fileless_fd_arg, .types = exec, .falco_compatible = false});
  out.push_back({.name = "proc.has_fileless_fd", .type = FieldType::boolean,
                 .description = "Exec events: true when a descriptor the new program inherited "
                                "(0 to 63) is a memfd, an O_TMPFILE file or a deleted file.",
                 .extract = proc_has_fileless_fd, .types = exec, .falco_compatible = false});
}

}  // namespace th
