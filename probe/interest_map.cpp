#include "probe/interest_map.h"

namespace th::probe {

th_syscall evt_type_syscall(EvtType type) {
  switch (type) {
    case EvtType::ptrace: return TH_SC_PTRACE;
    case EvtType::process_vm_writev: return TH_SC_PROCESS_VM_WRITEV;
    case EvtType::process_vm_readv: return TH_SC_PROCESS_VM_READV;
    case EvtType::open: return TH_SC_OPEN;
    case EvtType::openat: return TH_SC_OPENAT;
    case EvtType::openat2: return TH_SC_OPENAT2;
    case EvtType::execve: return TH_SC_EXECVE;
    case EvtType::execveat: return TH_SC_EXECVEAT;
    case EvtType::clone: return TH_SC_CLONE;
    case EvtType::clone3: return TH_SC_CLONE3;
    case EvtType::fork: return TH_SC_FORK;
    case EvtType::vfork: return TH_SC_VFORK;
    case EvtType::procexit: return TH_SC_NONE;
    case EvtType::write: return TH_SC_WRITE;
    case EvtType::pwrite: return TH_SC_PWRITE64;
    case EvtType::writev: return TH_SC_WRITEV;
    case EvtType::pwritev: return TH_SC_PWRITEV;
    case EvtType::pwritev2: return TH_SC_PWRITEV2;
    case EvtType::pidfd_getfd: return TH_SC_PIDFD_GETFD;
  }
  return TH_SC_NONE;
}

th_interest encode_interest(const Interest& interest) {
  th_interest out{};
  for (std::size_t i = 0; i < kEvtTypeCount; ++i) {
    auto type = static_cast<EvtType>(i);
    th_syscall sc = evt_type_syscall(type);
    if (interest.types.contains(type) && sc != TH_SC_NONE) out.syscalls |= 1u << sc;
  }
  out.mem_open_write = interest.mem_open_write ? 1 : 0;
  out.mem_open_read = interest.mem_open_read ? 1 : 0;
  out.ptrace_other = interest.ptrace_other ? 1 : 0;
  for (int slot = 0; slot < kPtraceSlotCount; ++slot)
    if (interest.ptrace.test(static_cast<std::size_t>(slot)))
      out.ptrace_slots[slot / 64] |= uint64_t{1} << (slot % 64);
  return out;
}

}  // namespace th::probe
