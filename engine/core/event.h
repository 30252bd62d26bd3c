// The one event model shared by live mode (probe loader), replay (JSON Lines) and rule tests.
// Everything after the producer is the same code path: enrichment (engine/detect) resolves
// `proc` and `target` against the process table, then the compiled ruleset evaluates fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/evt_type.h"
#include "engine/core/process.h"

namespace th {

class ProcessTable;

enum class Tri : uint8_t { unknown, no, yes };

// The acting thread as the producer saw it at the time of the event. Enrichment uses it to find
// or create the Process entry, so that processes that started before tracehound still resolve.
struct Actor {
  int32_t pid = 0;   // host tgid
  int32_t tid = 0;   // host tid
  int32_t ppid = 0;  // host tgid of the parent
  int32_t vpid = 0;  // tgid in the actor's pid namespace
  uint32_t uid = 0;
  uint32_t loginuid = kNoUid;
  uint64_t cgroup_id = 0;
  uint64_t pidns = 0;
  std::string comm;
};

struct Event {
  EvtType type = EvtType::ptrace;
  uint64_t ts_ns = 0;  // ns since the epoch
  int64_t res = 0;     // syscall return value (negative errno on failure)
  Actor actor;

  // Injection kinds (ptrace, process_vm_*, memory-file opens): who is acted upon.
  int32_t target_pid = 0;      // host tgid of the target, 0 when unresolved or none
  int32_t target_tid = 0;      // host tid named by the syscall (ptrace and /proc/<pid>/task/<tid>)
  int32_t target_arg_pid = 0;  // the pid as the caller passed it (in the caller's namespace)
  Tri target_is_descendant = Tri::unknown;  // resolved in the kernel when live

  // ptrace
  int64_t request = -1;
  uint64_t addr = 0;
  uint64_t data = 0;

  // process_vm_writev / process_vm_readv and memory-file writes: bytes the caller asked to
  // move (res: bytes moved)
  uint64_t bytes = 0;

  // memory-file opens and writes
  uint32_t open_flags = 0;  // opens: O_* flags as passed
  std::string path;         // the path as the kernel resolved it (fd.name)

  // memory-file writes: where in the target's address space, through which descriptor
  // (pidfd_getfd: the new descriptor in the taker)
  uint64_t offset = 0;
  int32_t fd = -1;

  // pidfd_getfd: the descriptor number in the target's table, and what the taken file is (path
  // above): a process memory file, and the host pid whose memory it is (0 when gone)
  int32_t target_fd = -1;
  bool taken_mem_file = false;
  // Memory-file opens and writes: the operation was an io_uring request, not a system call
  // (type is then the system call the request stands for).
  bool io_uring = false;
  int32_t taken_mem_pid = 0;

  // execve / execveat (also copied into the process table entry)
  std::string exepath;
  std::vector<std::string> argv;
  bool exe_from_memfd = false;
  // The end of the process's cgroup path as the kernel had it at the exec ("/parent/leaf",
  // "/" for the root); empty when the producer does not know it (replay). Names the container
  // without a race with the process's exit.
  std::string cgroup;
  // Bit n: descriptor n (< 64), inherited across the exec, is a regular file without a name
  // (memfd, O_TMPFILE, deleted). Code a loader or interpreter reads from it never touched disk.
  uint64_t fileless_fds = 0;
  // The executed file (st_dev, st_ino) and loader-injection variables (exe_trust.h), when known.
  bool exe_identity_known = false;
  uint64_t exe_dev = 0;
  uint64_t exe_ino = 0;
  uint8_t env_injection = 0;

  // clone / fork / vfork
  int32_t child_pid = 0;  // host tgid of the new process (== actor.pid for a new thread)
  int32_t child_tid = 0;
  uint64_t clone_flags = 0;

  // procexit
  int32_t exit_code = 0;

  // Set by enrichment; never owned by the event.
  const Process* proc = nullptr;    // the acting process
  const Process* target = nullptr;  // the target process, when known
  const ProcessTable* table = nullptr;

  bool is_open_write() const;  // O_WRONLY or O_RDWR
};

inline constexpr uint32_t kOpenAccessMask = 3;  // O_ACCMODE
inline bool Event::is_open_write() const { return (open_flags & kOpenAccessMask) != 0; }

}  // namespace th
