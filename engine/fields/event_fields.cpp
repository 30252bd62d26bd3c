// evt.* and fd.* fields.
#include <array>
#include <charconv>

#include "engine/core/alert.h"
#include "engine/core/errno_name.h"
#include "engine/core/ptrace_request.h"
#include "engine/fields/builtin_fields.h"
#include "engine/fields/scratch.h"

namespace th {
namespace {

constexpr EvtTypeSet types_of(std::initializer_list<EvtType> ts) {
  EvtTypeSet s;
  for (auto t : ts) s.add(t);
  return s;
}
constexpr EvtTypeSet kPtrace = types_of({EvtType::ptrace});
constexpr EvtTypeSet kOpen = types_of({EvtType::open, EvtType::openat, EvtType::openat2});
constexpr EvtTypeSet kWrite = types_of({EvtType::write, EvtType::pwrite, EvtType::writev,
                                        EvtType::pwritev, EvtType::pwritev2});
// Events with a descriptor of the actor's: memory-file writes, pidfd_getfd (the new one).
constexpr EvtTypeSet kFdNum = [] {
  EvtTypeSet s = kWrite;
  s.add(EvtType::pidfd_getfd);
  return s;
}();
// Events about a file (an open of a memory file, a write into one, a descriptor taken from
// another process): fd.* fields.
constexpr EvtTypeSet kFile = [] {
  EvtTypeSet s = kOpen;
  s |= kFdNum;
  return s;
}();
constexpr EvtTypeSet kTargeted = [] {
  EvtTypeSet s;
  for (const EvtTypeInfo& i : kEvtTypes)
    if (i.has_target) s.add(i.type);
  return s;
}();

bool is_open(const Event& e) { return kOpen.contains(e.type); }
bool is_file(const Event& e) { return kFile.contains(e.type); }

std::string_view number_text(Scratch& s, int64_t v) {
  std::string& buf = s.next();
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  buf.assign(tmp, r.ptr);
  return buf;
}

bool evt_type(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_str(evt_type_name(e.type));
  return true;
}

bool evt_source(const Event&, const FieldArg&, Scratch&, Values& out) {
  out.push_str("syscall");
  return true;
}

bool evt_time(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  std::string& buf = s.next();
  buf = format_evt_time(e.ts_ns);
  out.push_str(buf);
  return true;
}

bool evt_time_iso(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  std::string& buf = s.next();
  buf = format_rfc3339_ns(e.ts_ns);
  out.push_str(buf);
  return true;
}

bool evt_rawtime(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_uint(e.ts_ns);
  return true;
}

// Falco: "SUCCESS" when the call succeeded, else the errno name.
bool evt_res(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (e.res >= 0) {
    out.push_str("SUCCESS");
    return true;
  }
  std::string_view name = errno_name(-e.res);
  out.push_str(name.empty() ? number_text(s, e.res) : name);
  return true;
}

bool evt_rawres(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_int(e.res);
  return true;
}

bool evt_failed(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_bool(e.res < 0);
  return true;
}

bool evt_arg_request(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (e.type != EvtType::ptrace) return false;
  std::string_view name = ptrace_request_name(e.request);
  out.push_str(name.empty() ? number_text(s, e.request) : name);
  return true;
}

std::string_view hex_text(Scratch& s, uint64_t v) {
  std::string& buf = s.next();
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v, 16);
  buf = "0x";
  buf.append(tmp, r.ptr);
  return buf;
}

// Falco's evt.arg.* fields are the rendered arguments: strings, whatever the argument's type.
bool evt_arg_pid(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (!kTargeted.contains(e.type)) return false;
  out.push_str(number_text(s, e.target_arg_pid));
  return true;
}

bool evt_arg_addr(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (e.type != EvtType::ptrace) return false;
  out.push_str(hex_text(s, e.addr));
  return true;
}

bool evt_arg_data(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (e.type != EvtType::ptrace) return false;
  out.push_str(hex_text(s, e.data));
  return true;
}

// Rendered as Falco renders open flags: "O_RDWR|O_CLOEXEC".
bool evt_arg_flags(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (!is_open(e)) return false;
  // Kernel values (asm-generic/fcntl.h): glibc defines O_LARGEFILE as 0 on 64-bit.
  static constexpr std::array<std::pair<uint32_t, std::string_view>, 16> kFlags = {{
      {00000100, "O_CREAT"},     {00000200, "O_EXCL"},      {00000400, "O_NOCTTY"},
      {00001000, "O_TRUNC"},     {00002000, "O_APPEND"},    {00004000, "O_NONBLOCK"},
      {00010000, "O_DSYNC"},     {00040000, "O_DIRECT"},    {00100000, "O_LARGEFILE"},
      {00200000, "O_DIRECTORY"}, {00400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
      {02000000, "O_CLOEXEC"},   {04000000, "O_SYNC"},      {010000000, "O_PATH"},
      {020000000, "O_TMPFILE"},
  }};
  std::string& buf = s.next();
  switch (e.open_flags & kOpenAccessMask) {
    case 1: buf = "O_WRONLY"; break;
    case 2: buf = "O_RDWR"; break;
    default: buf = "O_RDONLY"; break;
  }
  for (const auto& [bit, name] : kFlags) {
    if ((e.open_flags & bit) == bit) {
      buf.push_back('|');
      buf += name;
    }
  }
  out.push_str(buf);
  return true;
}

bool evt_is_open_read(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_open(e)) return false;
  uint32_t mode = e.open_flags & kOpenAccessMask;
  out.push_bool(mode == 0 || mode == 2);
  return true;
}

bool evt_is_open_write(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_open(e)) return false;
  out.push_bool(e.is_open_write());
  return true;
}

bool evt_is_io_uring(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_bool(e.io_uring);
  return true;
}

bool fd_name(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_file(e)) return false;
  out.push_str(e.path);
  return true;
}

bool fd_directory(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_file(e)) return false;
  std::string_view p = e.path;
  auto slash = p.rfind('/');
  out.push_str(slash == std::string_view::npos ? std::string_view{}
                                               : (slash == 0 ? p.substr(0, 1) : p.substr(0, slash)));
  return true;
}

bool fd_filename(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_file(e)) return false;
  std::string_view p = e.path;
  auto slash = p.rfind('/');
  out.push_str(slash == std::string_view::npos ? p : p.substr(slash + 1));
  return true;
}

bool fd_num(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!kFdNum.contains(e.type) || e.fd < 0) return false;
  out.push_int(e.fd);
  return true;
}

}  // namespace

void add_event_fields(std::vector<FieldDef>& out) {
  using T = FieldType;
  auto add = [&](FieldDef d) { out.push_back(d); };
  add({.name = "evt.type", .type = T::string,
       .description = "Name of the event type: ptrace, process_vm_writev, process_vm_readv, "
                      "open, openat, openat2, execve, execveat, clone, clone3, fork, vfork, "
                      "procexit, write, pwrite, writev, pwritev, pwritev2 (writes into a "
                      "process memory file), pidfd_getfd (a descriptor taken from another "
                      "process).",
       .extract = evt_type, .analysis_dims = kDimType});
  add({.name = "evt.source", .type = T::string,
       .description = "The event source: always `syscall`.", .extract = evt_source,
       .analysis_dims = kDimType | kDimRequest | kDimOpenMode});
  add({.name = "evt.time", .type = T::string,
       .description = "Event timestamp as a local time string with nanoseconds "
                      "(15:04:05.123456789).",
       .extract = evt_time});
  add({.name = "evt.time.iso8601", .type = T::string,
       .description = "Event timestamp in ISO 8601 (UTC) with nanoseconds.",
       .extract = evt_time_iso});
  add({.name = "evt.rawtime", .type = T::abstime,
       .description = "Event timestamp in nanoseconds since the epoch.", .extract = evt_rawtime});
  add({.name = "evt.res", .type = T::string,
       .description = "Result of the system call: SUCCESS, or the error name (EPERM, ESRCH...) "
                      "when it failed.",
       .extract = evt_res});
  add({.name = "evt.rawres", .type = T::int64,
       .description = "Raw return value of the system call (negative errno on failure).",
       .extract = evt_rawres});
  add({.name = "evt.failed", .type = T::boolean,
       .description = "true when the system call failed.", .extract = evt_failed});
  add({.name = "evt.arg.request", .type = T::string,
       .description = "ptrace request as Falco renders it (PTRACE_ATTACH, PTRACE_POKETEXT...); "
                      "the number for requests without a name.",
       .extract = evt_arg_request, .types = kPtrace, .analysis_dims = kDimType | kDimRequest});
  add({.name = "evt.arg.pid", .type = T::string,
       .description = "The target pid exactly as the caller passed it (in the caller's pid "
                      "namespace); for memory-file opens and writes, the pid of the file's "
                      "process in the actor's pid namespace (0 when it is not visible there).",
       .extract = evt_arg_pid, .types = kTargeted});
  add({.name = "evt.arg.addr", .type = T::string,
       .description = "ptrace addr argument, as Falco renders it (hex); ptrace.addr is the number.", .extract = evt_arg_addr, .types = kPtrace});
  add({.name = "evt.arg.data", .type = T::string,
       .description = "ptrace data argument, as Falco renders it (hex); ptrace.data is the number.", .extract = evt_arg_data, .types = kPtrace});
  add({.name = "evt.arg.flags", .type = T::string,
       .description = "Open flags as Falco renders them (O_RDWR|O_CLOEXEC).",
       .extract = evt_arg_flags, .types = kOpen});
  add({.name = "evt.is_open_read", .type = T::boolean,
       .description = "For opens: true when the file was opened for reading (O_RDONLY or "
                      "O_RDWR).",
       .extract = evt_is_open_read, .types = kOpen, .analysis_dims = kDimType | kDimOpenMode});
  add({.name = "evt.is_open_write", .type = T::boolean,
       .description = "For opens: true when the file was opened for writing (O_WRONLY or "
                      "O_RDWR).",
       .extract = evt_is_open_write, .types = kOpen, .analysis_dims = kDimType | kDimOpenMode});
  add({.name = "evt.is_io_uring", .type = T::boolean,
       .description = "true when the operation was an io_uring request (IORING_OP_WRITE, "
                      "WRITEV, WRITE_FIXED, WRITEV_FIXED into a memory file, IORING_OP_OPENAT, "
                      "OPENAT2 of one), not a system call of its own; evt.type then names the "
                      "system call the request stands for (pwrite for a write at an offset, "
                      "write at the file position, pwritev/writev, openat/openat2).",
       .extract = evt_is_io_uring});
  add({.name = "fd.name", .type = T::string,
       .description = "For memory-file opens and writes: the path of the memory file as the "
                      "kernel resolves it (/proc/1234/mem, /proc/1234/task/1240/mem); for a "
                      "write, the file behind the descriptor, wherever the writer got it; for "
                      "pidfd_getfd, the taken file (whatever it is: a pipe, a socket...).",
       .extract = fd_name, .types = kFile});
  add({.name = "fd.directory", .type = T::string,
       .description = "For memory-file opens and writes and pidfd_getfd: the directory part "
                      "of fd.name.",
       .extract = fd_directory, .types = kFile});
  add({.name = "fd.filename", .type = T::string,
       .description = "For memory-file opens and writes and pidfd_getfd: the file name part "
                      "of fd.name.",
       .extract = fd_filename, .types = kFile});
  add({.name = "fd.num", .type = T::int64,
       .description = "For memory-file writes: the descriptor written through; for "
                      "pidfd_getfd: the new descriptor in the taker (getfd.target_fd: its "
                      "number in the target).",
       .extract = fd_num, .types = kFdNum});
}

}  // namespace th
