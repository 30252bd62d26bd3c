// What tracehound knows about one process (a thread group). Entries live in the ProcessTable
// (engine/proc/process_table.h); events point at them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace th {

inline constexpr uint32_t kNoUid = 0xffffffffu;  // loginuid of a process no one logged in to

struct Process {
  int32_t pid = 0;      // host tgid
  int32_t ppid = 0;     // host tgid of the parent, 0 when unknown
  int32_t vpid = 0;     // tgid inside its own pid namespace (== pid on the host namespace)
  uint64_t pidns = 0;   // pid-namespace inode number, 0 when unknown
  uint32_t uid = 0;
  uint32_t loginuid = kNoUid;
  uint32_t tty = 0;     // controlling terminal device number, 0 when none
  int32_t sid = 0;      // session id (host pid of the session leader), 0 when unknown
  uint64_t start_ns = 0;      // start time, ns since the epoch
  uint64_t cgroup_id = 0;
  bool exe_from_memfd = false;
  // The executed file (st_dev, st_ino) and the loader-injection variables it was started with
  // (engine/core/exe_trust.h), when the producer knew them: a known debugger must be the host's
  // file at exepath, started clean.
  bool exe_identity_known = false;
  uint64_t exe_dev = 0;
  uint64_t exe_ino = 0;
  uint8_t env_injection = 0;
  bool exited = false;

  std::string comm;       // proc.name: the kernel's task comm (at most 15 bytes)
  std::string exepath;    // proc.exepath: full path of the executable
  std::string cwd;        // proc.cwd: working directory when last read from /proc
  std::vector<std::string> argv;  // argv[0] is proc.exe, the rest proc.args
  std::string cmdline;    // proc.cmdline: comm + " " + args, kept in step with argv
  std::string args;       // proc.args: argv[1..] joined by spaces, kept in step with argv
  std::string container_id;       // 12-hex short id, "host" outside containers
  std::string container_full_id;  // 64-hex id, "" outside containers

  // Recomputes cmdline and args from comm and argv, as Falco renders them.
  void refresh_cmdline();
};

}  // namespace th
