#include "probe/record_decoder.h"

#include <sys/sysmacros.h>
#include <time.h>

#include <array>
#include <cstring>
#include <optional>

#include "probe/interest_map.h"

namespace th::probe {
namespace {

constexpr std::array<std::string_view, TH_KIND_COUNT> kKindNames = {
    "ptrace", "process_vm_writev", "process_vm_readv", "mem_open_write",
    "mem_open_read", "fork", "exec", "exit", "mem_write", "fd_take"};

template <typename Rec>
const Rec* view_as(std::span<const std::byte> record) {
  return record.size() >= sizeof(Rec) ? reinterpret_cast<const Rec*>(record.data()) : nullptr;
}

// A fixed-size char array up to its first NUL.
template <std::size_t N>
std::string_view c_string(const char (&chars)[N]) {
  return {chars, strnlen(chars, N)};
}

Tri tri(uint8_t v) {
  return v == TH_TRI_YES ? Tri::yes : v == TH_TRI_NO ? Tri::no : Tri::unknown;
}

// Every field back to its default. Copied from an empty one, a string or argv keeps its buffer
// (only its length changes), so decoding a record allocates nothing once the buffers have grown.
void reset(Event& ev) {
  static const Event kBlank{};
  ev = kBlank;
}

void decode_header(const th_header& h, int64_t boot_to_epoch_ns, Event& ev) {
  ev.ts_ns = h.ts_boot_ns + static_cast<uint64_t>(boot_to_epoch_ns);
  ev.res = h.res;
  ev.actor.pid = h.pid;
  ev.actor.tid = h.tid;
  ev.actor.ppid = h.ppid;
  ev.actor.vpid = h.vpid;
  ev.actor.uid = h.uid;
  ev.actor.loginuid = h.loginuid;
  ev.actor.cgroup_id = h.cgroup_id;
  ev.actor.pidns = h.pidns;
  ev.actor.comm.assign(c_string(h.comm));
  ev.io_uring = h.via == TH_VIA_IO_URING;
}

void decode_target(const th_target& t, Event& ev, RecordInfo& info) {
  ev.target_pid = t.pid;
  ev.target_tid = t.tid;
  ev.target_arg_pid = t.arg_pid;
  ev.target_is_descendant = tri(t.is_descendant);
  info.resolved_by = t.resolved_by < TH_RESOLVED_COUNT
                         ? static_cast<th_resolved_by>(t.resolved_by)
                         : TH_RESOLVED_NONE;
}

// The evt.type of a record, or nullopt when kind and syscall do not go together.
std::optional<EvtType> evt_type_of(th_kind kind, uint8_t sc) {
  switch (kind) {
    case TH_KIND_PTRACE:
      if (sc == TH_SC_PTRACE) return EvtType::ptrace;
      break;
    case TH_KIND_VM_WRITE:
      if (sc == TH_SC_PROCESS_VM_WRITEV) return EvtType::process_vm_writev;
      break;
    case TH_KIND_VM_READ:
      if (sc == TH_SC_PROCESS_VM_READV) return EvtType::process_vm_readv;
      break;
    case TH_KIND_MEM_OPEN_WRITE:
    case TH_KIND_MEM_OPEN_READ:
      if (sc == TH_SC_OPEN) return EvtType::open;
      if (sc == TH_SC_OPENAT) return EvtType::openat;
      if (sc == TH_SC_OPENAT2) return EvtType::openat2;
      break;
    case TH_KIND_FORK:
      if (sc == TH_SC_CLONE) return EvtType::clone;
      if (sc == TH_SC_CLONE3) return EvtType::clone3;
      if (sc == TH_SC_FORK) return EvtType::fork;
      if (sc == TH_SC_VFORK) return EvtType::vfork;
      break;
    case TH_KIND_EXEC:
      if (sc == TH_SC_EXECVE) return EvtType::execve;
      if (sc == TH_SC_EXECVEAT) return EvtType::execveat;
      break;
    case TH_KIND_EXIT: return EvtType::procexit;
    case TH_KIND_MEM_WRITE:
      if (sc == TH_SC_WRITE) return EvtType::write;
      if (sc == TH_SC_PWRITE64) return EvtType::pwrite;
      if (sc == TH_SC_WRITEV) return EvtType::writev;
      if (sc == TH_SC_PWRITEV) return EvtType::pwritev;
      if (sc == TH_SC_PWRITEV2) return EvtType::pwritev2;
      break;
    case TH_KIND_FD_TAKE:
      if (sc == TH_SC_PIDFD_GETFD) return EvtType::pidfd_getfd;
      break;
    case TH_KIND_COUNT: break;
  }
  return std::nullopt;
}

void split_args(std::string_view bytes, std::vector<std::string>& argv) {
  while (!bytes.empty()) {
    auto end = bytes.find('\0');
    argv.emplace_back(bytes.substr(0, end));
    if (end == std::string_view::npos) break;
    bytes.remove_prefix(end + 1);
  }
}

}  // namespace

std::string_view kind_name(th_kind kind) {
  return kind < TH_KIND_COUNT ? kKindNames[kind] : std::string_view("unknown");
}

bool decode_enforced_call(const th_enforce_event& r, int64_t boot_to_epoch_ns, Event& ev) {
  if (r.h.abi >= TH_ABI_COUNT || r.h.kind >= TH_KIND_COUNT) return false;
  std::optional<EvtType> type;
  for (const auto& info : kEvtTypes)
    if (info.has_target && evt_type_syscall(info.type) == r.h.syscall) type = info.type;
  if (!type) return false;
  reset(ev);
  ev.type = *type;
  decode_header(r.h, boot_to_epoch_ns, ev);
  RecordInfo info;
  decode_target(r.t, ev, info);
  ev.request = ev.type == EvtType::ptrace ? r.request : -1;
  ev.addr = r.addr;
  ev.data = r.data;
  ev.bytes = r.bytes;
  ev.fd = r.fd;
  ev.open_flags = r.open_flags;
  return true;
}

int32_t exit_code_from_wait_status(uint32_t status) {
  uint32_t sig = status & 0x7f;
  return sig == 0 ? static_cast<int32_t>((status >> 8) & 0xff) : 128 + static_cast<int32_t>(sig);
}

int64_t boot_to_epoch_offset_ns() {
  timespec real{}, boot{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return (int64_t{real.tv_sec} - boot.tv_sec) * 1'000'000'000 + (real.tv_nsec - boot.tv_nsec);
}

bool decode_record(std::span<const std::byte> record, int64_t boot_to_epoch_ns, Event& ev,
                   RecordInfo& info) {
  const auto* h = view_as<th_header>(record);
  if (!h || h->kind >= TH_KIND_COUNT || h->abi >= TH_ABI_COUNT) return false;
  auto kind = static_cast<th_kind>(h->kind);
  auto type = evt_type_of(kind, h->syscall);
  if (!type) return false;
  reset(ev);
  info = RecordInfo{kind, static_cast<th_abi>(h->abi), TH_RESOLVED_NONE};
  ev.type = *type;
  decode_header(*h, boot_to_epoch_ns, ev);
  switch (kind) {
    case TH_KIND_PTRACE: {
      const auto* r = view_as<th_ptrace_event>(record);
      if (!r) return false;
      decode_target(r->t, ev, info);
      ev.request = r->request;
      ev.addr = r->addr;
      ev.data = r->data;
      return true;
    }
    case TH_KIND_VM_WRITE:
    case TH_KIND_VM_READ: {
      const auto* r = view_as<th_vm_event>(record);
      if (!r) return false;
      decode_target(r->t, ev, info);
      ev.bytes = r->bytes;
      info.truncated = r->bytes_truncated != 0;
      return true;
    }
    case TH_KIND_MEM_OPEN_WRITE:
    case TH_KIND_MEM_OPEN_READ: {
      const auto* r = view_as<th_mem_open_event>(record);
      if (!r || r->path_len > TH_PATH_LEN) return false;
      decode_target(r->t, ev, info);
      ev.open_flags = r->flags;
      ev.path.assign(r->path, r->path_len);
      info.truncated = r->path_truncated != 0;
      return true;
    }
    case TH_KIND_MEM_WRITE: {
      const auto* r = view_as<th_mem_write_event>(record);
      if (!r || r->path_len > TH_PATH_LEN) return false;
      decode_target(r->t, ev, info);
      ev.offset = r->offset;
      ev.bytes = r->bytes;
      ev.fd = r->fd;
      ev.path.assign(r->path, r->path_len);
      info.truncated = r->path_truncated != 0 || r->bytes_truncated != 0;
      return true;
    }
    case TH_KIND_FD_TAKE: {
      const auto* r = view_as<th_fd_take_event>(record);
      if (!r || r->path_len > TH_PATH_LEN) return false;
      decode_target(r->t, ev, info);
      ev.fd = h->res >= 0 ? static_cast<int32_t>(h->res) : -1;
      ev.target_fd = r->target_fd;
      ev.taken_mem_file = r->is_mem_file != 0;
      ev.taken_mem_pid = r->mem_pid;
      ev.path.assign(r->path, r->path_len);
      info.truncated = r->path_truncated != 0;
      return true;
    }
    case TH_KIND_FORK: {
      const auto* r = view_as<th_fork_event>(record);
      if (!r) return false;
      ev.child_pid = r->child_pid;
      ev.child_tid = r->child_tid;
      ev.clone_flags = r->clone_flags;
      return true;
    }
    case TH_KIND_EXEC: {
      // Variable length: the record ends after args_len bytes of args.
      constexpr std::size_t kFixed = offsetof(th_exec_event, args);
      if (record.size() < kFixed) return false;
      const auto* r = reinterpret_cast<const th_exec_event*>(record.data());
      if (r->exe_len > TH_PATH_LEN || r->args_len > TH_ARGS_LEN ||
          r->args_len > record.size() - kFixed)
        return false;
      ev.exepath.assign(r->exe, r->exe_len);
      ev.exe_from_memfd = r->exe_from_memfd != 0;
      ev.fileless_fds = r->fileless_fds;
      // The kernel's dev_t (major << 20 | minor) in user space's encoding, as stat(2) gives it.
      ev.exe_identity_known = true;
      ev.exe_dev = makedev(r->exe_dev >> 20, r->exe_dev & 0xfffff);
      ev.exe_ino = r->exe_ino;
      ev.env_injection = r->env_injection;
      split_args({r->args, r->args_len}, ev.argv);
      info.truncated = r->exe_truncated != 0 || r->args_truncated != 0;
      {
        auto name = [](const char* p) { return std::string_view(p, strnlen(p, TH_CGROUP_NAME_LEN)); };
        std::string_view parent = name(r->cgroup_parent), leaf = name(r->cgroup_leaf);
        ev.cgroup.clear();
        if (!leaf.empty()) {
          if (!parent.empty()) ev.cgroup.append("/").append(parent);
          ev.cgroup.append("/").append(leaf);
        } else {
          ev.cgroup.assign(1, '/');  // the root: not in a container
        }
      }
      return true;
    }
    case TH_KIND_EXIT: {
      const auto* r = view_as<th_exit_event>(record);
      if (!r) return false;
      ev.exit_code = exit_code_from_wait_status(r->status);
      return true;
    }
    case TH_KIND_COUNT: break;
  }
  return false;
}

}  // namespace th::probe
