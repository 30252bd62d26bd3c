#include "engine/io/capture_reader.h"

#include "engine/io/capture_format.h"
#include "engine/io/capture_wire.h"

namespace th {
namespace {

using namespace capture;

uint32_t u32le(std::string_view b) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  return v;
}

std::string_view kind_name(uint8_t k) {
  switch (static_cast<RecordKind>(k)) {
    case RecordKind::header: return "header record";
    case RecordKind::process: return "process record";
    case RecordKind::event: return "event record";
    case RecordKind::end: return "end record";
  }
  return "record";
}

// Resets what a record may leave out, keeping the strings' capacity.
void reset_event(Event& e) {
  e.res = 0;
  e.target_pid = e.target_tid = e.target_arg_pid = 0;
  e.target_is_descendant = Tri::unknown;
  e.request = -1;
  e.addr = e.data = e.bytes = 0;
  e.open_flags = 0;
  e.path.clear();
  e.exepath.clear();
  e.argv.clear();
  e.exe_from_memfd = false;
  e.cgroup.clear();
  e.fileless_fds = 0;
  e.exe_identity_known = false;
  e.exe_dev = e.exe_ino = 0;
  e.env_injection = 0;
  e.child_pid = e.child_tid = 0;
  e.clone_flags = 0;
  e.exit_code = 0;
  e.offset = 0;
  e.fd = -1;
  e.target_fd = -1;
  e.taken_mem_file = false;
  e.taken_mem_pid = 0;
  e.proc = e.target = nullptr;
  e.table = nullptr;
}

// Strings into a vector, reusing the elements already there.
void read_strings(Decoder& d, std::vector<std::string>& out, std::size_t payload_size) {
  uint64_t n = d.varint();
  // Each string takes at least its length byte: a count beyond the payload is corrupt.
  if (n > payload_size) return d.invalidate();
  out.resize(n);
  for (auto& s : out) d.str(s);
}

}  // namespace

bool CaptureReader::fail(uint64_t at, std::string_view kind, std::string what) {
  error_ = "offset " + std::to_string(at) + " (" + std::string(kind) + "): " + what;
  return false;
}

bool CaptureReader::open() {
  std::string_view magic = in_.peek(kMagic.size());
  if (!looks_binary(magic)) return fail(0, "file start", "not a tracehound binary capture");
  in_.consume(kMagic.size());
  uint64_t at = in_.offset();
  std::string_view head = in_.peek(kRecordHeaderBytes);
  if (head.size() < kRecordHeaderBytes || static_cast<uint8_t>(head[4]) !=
                                              static_cast<uint8_t>(RecordKind::header))
    return fail(at, "header record", "missing: a capture starts with its header");
  uint32_t len = u32le(head);
  if (len > kMaxRecordBytes) return fail(at, "header record", "length beyond the limit");
  std::string_view rec = in_.peek(kRecordHeaderBytes + len);
  if (rec.size() < kRecordHeaderBytes + len) return fail(at, "header record", "truncated");
  Decoder d(rec.substr(kRecordHeaderBytes));
  header_.version = d.num<uint32_t>();
  header_.flags = d.varint();
  header_.start_ns = d.varint();
  d.str(header_.hostname);
  d.str(header_.producer);
  if (!d.ok()) return fail(at, "header record", "malformed");
  if (header_.version != kVersion)
    return fail(at, "header record", "format version " + std::to_string(header_.version) +
                                         "; this tracehound reads version " +
                                         std::to_string(kVersion));
  in_.consume(kRecordHeaderBytes + len);
  return true;
}

CaptureReader::Item CaptureReader::next(Event& e, Process& p) {
  for (;;) {
    uint64_t at = in_.offset();
    std::string_view head = in_.peek(kRecordHeaderBytes);
    if (head.empty()) {
      if (!in_.error().empty()) return fail(at, "input", in_.error()), Item::error;
      return Item::end;
    }
    if (head.size() < kRecordHeaderBytes)
      return fail(at, "record", "truncated record header (" + std::to_string(head.size()) +
                                    " of 5 bytes)"),
             Item::error;
    uint32_t len = u32le(head);
    uint8_t kind = static_cast<uint8_t>(head[4]);
    if (len > kMaxRecordBytes)
      return fail(at, kind_name(kind), "length " + std::to_string(len) + " beyond the limit of " +
                                           std::to_string(kMaxRecordBytes)),
             Item::error;
    std::string_view rec = in_.peek(kRecordHeaderBytes + len);
    if (rec.size() < kRecordHeaderBytes + len)
      return fail(at, kind_name(kind), "truncated: " + std::to_string(len) + " bytes announced, " +
                                           std::to_string(rec.size() - kRecordHeaderBytes) +
                                           " left"),
             Item::error;
    std::string_view payload = rec.substr(kRecordHeaderBytes);
    std::size_t bad_at = 0;
    Item item = Item::end;
    bool ok = true;
    switch (static_cast<RecordKind>(kind)) {
      case RecordKind::event: ok = decode_event(payload, e, bad_at); item = Item::event; break;
      case RecordKind::process: ok = decode_process(payload, p, bad_at); item = Item::process; break;
      case RecordKind::header: return fail(at, kind_name(kind), "a second header"), Item::error;
      case RecordKind::end: {
        Decoder d(payload);
        totals_.events = d.varint();
        totals_.kernel_drops = d.varint();
        totals_.processes = d.varint();
        ok = d.ok();
        saw_end_ = ok;
        bad_at = d.pos();
        break;
      }
      default: break;  // a kind this version does not know: skipped
    }
    if (!ok)
      return fail(at, kind_name(kind), "malformed at byte " + std::to_string(bad_at) +
                                           " of its payload"),
             Item::error;
    in_.consume(kRecordHeaderBytes + len);
    if (kind == static_cast<uint8_t>(RecordKind::event) ||
        kind == static_cast<uint8_t>(RecordKind::process))
      return item;
  }
}

bool CaptureReader::decode_event(std::string_view payload, Event& e, std::size_t& bad_at) {
  Decoder d(payload);
  reset_event(e);
  uint8_t type = d.u8();
  if (d.ok() && type >= kEvtTypeCount) {
    bad_at = 0;
    return false;
  }
  e.type = static_cast<EvtType>(type);
  e.ts_ns = last_ts_ + static_cast<uint64_t>(d.svarint());
  uint64_t bits = d.varint();
  if (bits & ~static_cast<uint64_t>(kAllEventFields)) d.invalidate();  // unknown fields
  if (bits & kRes) e.res = d.svarint();
  if (bits & kActor) {
    last_actor_.pid = d.snum<int32_t>();
    last_actor_.tid = d.snum<int32_t>();
    last_actor_.ppid = d.snum<int32_t>();
    last_actor_.vpid = d.snum<int32_t>();
    last_actor_.uid = d.num<uint32_t>();
    last_actor_.loginuid = d.num<uint32_t>();
    last_actor_.cgroup_id = d.varint();
    last_actor_.pidns = d.varint();
    d.str(last_actor_.comm);
  }
  if (last_actor_.pid <= 0) d.invalidate();  // every event has an acting process
  e.actor = last_actor_;  // assigns: the comm keeps its capacity
  if (bits & kTargetPid) e.target_pid = d.snum<int32_t>();
  if (bits & kTargetTid) e.target_tid = d.snum<int32_t>();
  if (bits & kTargetArgPid) e.target_arg_pid = d.snum<int32_t>();
  if (bits & kTargetIsDescendant) {
    uint8_t t = d.u8();
    if (t > static_cast<uint8_t>(Tri::yes)) d.invalidate();
    e.target_is_descendant = static_cast<Tri>(t);
  }
  if (bits & kRequest) e.request = d.svarint();
  if (bits & kAddr) e.addr = d.varint();
  if (bits & kData) e.data = d.varint();
  if (bits & kBytes) e.bytes = d.varint();
  if (bits & kOpenFlags) e.open_flags = d.num<uint32_t>();
  if (bits & kPath) d.str(e.path);
  if (bits & kExepath) d.str(e.exepath);
  if (bits & kArgv) read_strings(d, e.argv, payload.size());
  e.exe_from_memfd = (bits & kExeFromMemfd) != 0;
  if (bits & kCgroup) d.str(e.cgroup);
  if (bits & kFilelessFds) e.fileless_fds = d.varint();
  if (bits & kExeIdentity) {
    e.exe_identity_known = true;
    e.exe_dev = d.varint();
    e.exe_ino = d.varint();
  }
  if (bits & kEnvInjection) e.env_injection = d.u8();
  if (bits & kChildPid) e.child_pid = d.snum<int32_t>();
  if (bits & kChildTid) e.child_tid = d.snum<int32_t>();
  if (bits & kCloneFlags) e.clone_flags = d.varint();
  if (bits & kExitCode) e.exit_code = d.snum<int32_t>();
  if (bits & kOffset) e.offset = d.varint();
  if (bits & kFd) e.fd = d.snum<int32_t>();
  if (bits & kTargetFd) e.target_fd = d.snum<int32_t>();
  e.taken_mem_file = (bits & kTakenMemFile) != 0;
  e.io_uring = (bits & kIoUring) != 0;
  if (bits & kTakenMemPid) e.taken_mem_pid = d.snum<int32_t>();
  bad_at = d.pos();
  if (!d.ok() || !d.done()) return false;
  last_ts_ = e.ts_ns;
  return true;
}

bool CaptureReader::decode_process(std::string_view payload, Process& p, std::size_t& bad_at) {
  Decoder d(payload);
  p.pid = d.snum<int32_t>();
  p.ppid = d.snum<int32_t>();
  p.vpid = d.snum<int32_t>();
  p.pidns = d.varint();
  p.uid = d.num<uint32_t>();
  p.loginuid = d.num<uint32_t>();
  p.tty = d.num<uint32_t>();
  p.sid = d.snum<int32_t>();
  p.start_ns = d.varint();
  p.cgroup_id = d.varint();
  uint64_t flags = d.varint();
  p.exe_from_memfd = flags & kProcExeFromMemfd;
  p.exe_identity_known = flags & kProcExeIdentity;
  p.exited = flags & kProcExited;
  p.exe_dev = d.varint();
  p.exe_ino = d.varint();
  p.env_injection = d.u8();
  d.str(p.comm);
  d.str(p.exepath);
  d.str(p.cwd);
  read_strings(d, p.argv, payload.size());
  d.str(p.container_id);
  d.str(p.container_full_id);
  bad_at = d.pos();
  if (!d.ok() || !d.done() || p.pid <= 0) return false;
  p.refresh_cmdline();
  return true;
}

}  // namespace th
