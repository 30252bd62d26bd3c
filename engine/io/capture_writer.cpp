#include "engine/io/capture_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/io/capture_format.h"
#include "engine/io/capture_wire.h"

namespace th {
namespace {

using namespace capture;

// The buffer goes out when it holds this much; a tick flushes it anyway.
constexpr std::size_t kFlushBytes = 512 * 1024;
// Snapshots kept to know what changed; beyond this the cache starts over (a process is then
// written once more, which replay takes as an upsert).
constexpr std::size_t kMaxRemembered = 1 << 16;

// Every field of a Process. A field added to Process must be added here and to the process record
// (put_process, and CaptureReader::decode_process); the size check below fails until then.
bool same_process(const Process& a, const Process& b) {
  return a.pid == b.pid && a.ppid == b.ppid && a.vpid == b.vpid && a.pidns == b.pidns &&
         a.uid == b.uid && a.loginuid == b.loginuid && a.tty == b.tty && a.sid == b.sid &&
         a.start_ns == b.start_ns && a.cgroup_id == b.cgroup_id &&
         a.exe_from_memfd == b.exe_from_memfd && a.exe_identity_known == b.exe_identity_known &&
         a.exe_dev == b.exe_dev && a.exe_ino == b.exe_ino && a.env_injection == b.env_injection &&
         a.exited == b.exited && a.comm == b.comm && a.exepath == b.exepath && a.cwd == b.cwd &&
         a.argv == b.argv && a.cmdline == b.cmdline && a.args == b.args &&
         a.container_id == b.container_id && a.container_full_id == b.container_full_id;
}
static_assert(sizeof(Process) == 336, "Process changed: update same_process and the process record");

// A field added to Event must be added to the event record (put_event, decode_event).
static_assert(sizeof(Event) == 392, "Event changed: update the event record");

bool same_actor(const Actor& a, const Actor& b) {
  return a.pid == b.pid && a.tid == b.tid && a.ppid == b.ppid && a.vpid == b.vpid &&
         a.uid == b.uid && a.loginuid == b.loginuid && a.cgroup_id == b.cgroup_id &&
         a.pidns == b.pidns && a.comm == b.comm;
}

}  // namespace

CaptureWriter::CaptureWriter(int fd, const CaptureHeader& h) : fd_(fd) {
  buf_.reserve(kFlushBytes + 64 * 1024);
  buf_.append(kMagic.data(), kMagic.size());
  std::size_t at = begin_record();
  Encoder enc(buf_);
  enc.varint(kVersion);
  enc.varint(h.flags);
  enc.varint(h.start_ns);
  enc.str(h.hostname);
  enc.str(h.producer);
  end_record(at, static_cast<uint8_t>(RecordKind::header));
}

std::size_t CaptureWriter::begin_record() {
  std::size_t at = buf_.size();
  buf_.append(kRecordHeaderBytes, '\0');
  return at;
}

void CaptureWriter::end_record(std::size_t at, uint8_t kind) {
  Encoder(buf_).u32le_at(at, static_cast<uint32_t>(buf_.size() - at - kRecordHeaderBytes));
  buf_[at + 4] = static_cast<char>(kind);
}

bool CaptureWriter::current(const Process& p) const {
  auto it = written_.find(p.pid);
  return it != written_.end() && same_process(it->second, p);
}

// The process, preceded by its ancestors up to the first one already written as it is.
void CaptureWriter::note_process(const Process* p, const ProcessTable& table) {
  if (!p || current(*p)) return;
  // As deep as the rules can look (proc.aname[N] walks the table's ancestry bound).
  constexpr unsigned kDepth = ProcessTable::kMaxAncestry + 1;
  const Process* chain[kDepth];
  unsigned n = 0;
  chain[n++] = p;
  table.for_each_ancestor(*p, [&](const Process& a) {
    if (n == kDepth || current(a)) return false;
    chain[n++] = &a;
    return true;
  });
  if (written_.size() + n > kMaxRemembered) written_.clear();
  while (n > 0) {
    const Process& q = *chain[--n];
    put_process(q);
    written_[q.pid] = q;
  }
}

void CaptureWriter::put_process(const Process& p) {
  std::size_t at = begin_record();
  Encoder enc(buf_);
  enc.svarint(p.pid);
  enc.svarint(p.ppid);
  enc.svarint(p.vpid);
  enc.varint(p.pidns);
  enc.varint(p.uid);
  enc.varint(p.loginuid);
  enc.varint(p.tty);
  enc.svarint(p.sid);
  enc.varint(p.start_ns);
  enc.varint(p.cgroup_id);
  enc.varint((p.exe_from_memfd ? kProcExeFromMemfd : 0) |
             (p.exe_identity_known ? kProcExeIdentity : 0) | (p.exited ? kProcExited : 0));
  enc.varint(p.exe_dev);
  enc.varint(p.exe_ino);
  enc.u8(p.env_injection);
  enc.str(p.comm);
  enc.str(p.exepath);
  enc.str(p.cwd);
  enc.varint(p.argv.size());
  for (const auto& a : p.argv) enc.str(a);
  enc.str(p.container_id);
  enc.str(p.container_full_id);
  end_record(at, static_cast<uint8_t>(RecordKind::process));
  ++totals_.processes;
}

void CaptureWriter::put_actor(const Actor& a) {
  Encoder enc(buf_);
  enc.svarint(a.pid);
  enc.svarint(a.tid);
  enc.svarint(a.ppid);
  enc.svarint(a.vpid);
  enc.varint(a.uid);
  enc.varint(a.loginuid);
  enc.varint(a.cgroup_id);
  enc.varint(a.pidns);
  enc.str(a.comm);
}

void CaptureWriter::put_event(const Event& e) {
  uint32_t bits = 0;
  auto flag = [&](bool present, uint32_t bit) { bits |= present ? bit : 0; };
  const bool new_actor = !have_actor_ || !same_actor(e.actor, last_actor_);
  flag(e.res != 0, kRes);
  flag(new_actor, kActor);
  flag(e.target_pid != 0, kTargetPid);
  flag(e.target_tid != 0, kTargetTid);
  flag(e.target_arg_pid != 0, kTargetArgPid);
  flag(e.target_is_descendant != Tri::unknown, kTargetIsDescendant);
  flag(e.request != -1, kRequest);
  flag(e.addr != 0, kAddr);
  flag(e.data != 0, kData);
  flag(e.bytes != 0, kBytes);
  flag(e.open_flags != 0, kOpenFlags);
  flag(!e.path.empty(), kPath);
  flag(!e.exepath.empty(), kExepath);
  flag(!e.argv.empty(), kArgv);
  flag(e.exe_from_memfd, kExeFromMemfd);
  flag(!e.cgroup.empty(), kCgroup);
  flag(e.fileless_fds != 0, kFilelessFds);
  flag(e.exe_identity_known, kExeIdentity);
  flag(e.env_injection != 0, kEnvInjection);
  flag(e.child_pid != 0, kChildPid);
  flag(e.child_tid != 0, kChildTid);
  flag(e.clone_flags != 0, kCloneFlags);
  flag(e.exit_code != 0, kExitCode);
  flag(e.offset != 0, kOffset);
  flag(e.fd != -1, kFd);
  flag(e.target_fd != -1, kTargetFd);
  flag(e.taken_mem_file, kTakenMemFile);
  flag(e.taken_mem_pid != 0, kTakenMemPid);
  flag(e.io_uring, kIoUring);

  std::size_t at = begin_record();
  Encoder enc(buf_);
  enc.u8(static_cast<uint8_t>(e.type));
  enc.svarint(static_cast<int64_t>(e.ts_ns - last_ts_));
  enc.varint(bits);
  if (bits & kRes) enc.svarint(e.res);
  if (bits & kActor) put_actor(e.actor);
  if (bits & kTargetPid) enc.svarint(e.target_pid);
  if (bits & kTargetTid) enc.svarint(e.target_tid);
  if (bits & kTargetArgPid) enc.svarint(e.target_arg_pid);
  if (bits & kTargetIsDescendant) enc.u8(static_cast<uint8_t>(e.target_is_descendant));
  if (bits & kRequest) enc.svarint(e.request);
  if (bits & kAddr) enc.varint(e.addr);
  if (bits & kData) enc.varint(e.data);
  if (bits & kBytes) enc.varint(e.bytes);
  if (bits & kOpenFlags) enc.varint(e.open_flags);
  if (bits & kPath) enc.str(e.path);
  if (bits & kExepath) enc.str(e.exepath);
  if (bits & kArgv) {
    enc.varint(e.argv.size());
    for (const auto& a : e.argv) enc.str(a);
  }
  if (bits & kCgroup) enc.str(e.cgroup);
  if (bits & kFilelessFds) enc.varint(e.fileless_fds);
  if (bits & kExeIdentity) {
    enc.varint(e.exe_dev);
    enc.varint(e.exe_ino);
  }
  if (bits & kEnvInjection) enc.u8(e.env_injection);
  if (bits & kChildPid) enc.svarint(e.child_pid);
  if (bits & kChildTid) enc.svarint(e.child_tid);
  if (bits & kCloneFlags) enc.varint(e.clone_flags);
  if (bits & kExitCode) enc.svarint(e.exit_code);
  if (bits & kOffset) enc.varint(e.offset);
  if (bits & kFd) enc.svarint(e.fd);
  if (bits & kTargetFd) enc.svarint(e.target_fd);
  if (bits & kTakenMemPid) enc.svarint(e.taken_mem_pid);
  end_record(at, static_cast<uint8_t>(RecordKind::event));

  if (new_actor) {
    last_actor_ = e.actor;
    have_actor_ = true;
  }
  last_ts_ = e.ts_ns;
  ++totals_.events;
}

bool CaptureWriter::write(const Event& e, const ProcessTable& table) {
  if (!error_.empty()) return false;
  note_process(e.proc, table);
  note_process(e.target, table);
  put_event(e);
  if (e.type == EvtType::procexit) written_.erase(e.actor.pid);
  return buf_.size() < kFlushBytes || write_out();
}

bool CaptureWriter::write_out() {
  std::size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? std::strerror(errno) : "short write";
      buf_.clear();
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  bytes_out_ += buf_.size();
  buf_.clear();
  return true;
}

bool CaptureWriter::flush() { return error_.empty() && write_out(); }

bool CaptureWriter::finish(uint64_t kernel_drops) {
  if (!error_.empty()) return false;
  totals_.kernel_drops = kernel_drops;
  std::size_t at = begin_record();
  Encoder enc(buf_);
  enc.varint(totals_.events);
  enc.varint(totals_.kernel_drops);
  enc.varint(totals_.processes);
  end_record(at, static_cast<uint8_t>(RecordKind::end));
  return write_out();
}

}  // namespace th
