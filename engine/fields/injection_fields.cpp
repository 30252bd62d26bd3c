// ptrace.*, vm.*, write.*, getfd.*: the arguments of the injection system calls, typed for rules.
#include <array>
#include <utility>

#include "engine/core/ptrace_request.h"
#include "engine/fields/builtin_fields.h"
#include "engine/fields/scratch.h"

namespace th {
namespace {

bool ptrace_request(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.type != EvtType::ptrace) return false;
  out.push_int(e.request);
  return true;
}
bool ptrace_addr(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.type != EvtType::ptrace) return false;
  out.push_uint(e.addr);
  return true;
}
bool ptrace_data(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.type != EvtType::ptrace) return false;
  out.push_uint(e.data);
  return true;
}
// PTRACE_ARCH_PRCTL's code as the kernel reads it: do_arch_prctl_64() takes an int, so only the
// low 32 bits of data count (an injector setting high bits still gets ARCH_SET_FS).
constexpr int64_t kPtraceArchPrctl = 30;
bool ptrace_arch_prctl_code(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.type != EvtType::ptrace || e.request != kPtraceArchPrctl) return false;
  out.push_int(static_cast<int32_t>(static_cast<uint32_t>(e.data)));
  return true;
}

// arch/x86/include/uapi/asm/prctl.h
constexpr std::array<std::pair<int64_t, std::string_view>, 18> kArchPrctlCodes = {{
    {0x1001, "ARCH_SET_GS"},          {0x1002, "ARCH_SET_FS"},
    {0x1003, "ARCH_GET_FS"},          {0x1004, "ARCH_GET_GS"},
    {0x1011, "ARCH_GET_CPUID"},       {0x1012, "ARCH_SET_CPUID"},
    {0x2001, "ARCH_MAP_VDSO_X32"},    {0x2002, "ARCH_MAP_VDSO_32"},
    {0x2003, "ARCH_MAP_VDSO_64"},     {0x4001, "ARCH_GET_UNTAG_MASK"},
    {0x4002, "ARCH_ENABLE_TAGGED_ADDR"}, {0x4003, "ARCH_GET_MAX_TAG_BITS"},
    {0x4004, "ARCH_FORCE_TAGGED_SVA"}, {0x5001, "ARCH_SHSTK_ENABLE"},
    {0x5002, "ARCH_SHSTK_DISABLE"},   {0x5003, "ARCH_SHSTK_LOCK"},
    {0x5004, "ARCH_SHSTK_UNLOCK"},    {0x5005, "ARCH_SHSTK_STATUS"},
}};
std::optional<int64_t> arch_prctl_code_from_name(std::string_view name) {
  for (const auto& [code, n] : kArchPrctlCodes)
    if (n == name) return code;
  return std::nullopt;
}
std::string_view arch_prctl_code_name(int64_t code) {
  for (const auto& [c, n] : kArchPrctlCodes)
    if (c == code) return n;
  return {};
}

bool vm_bytes(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.type != EvtType::process_vm_writev && e.type != EvtType::process_vm_readv) return false;
  out.push_uint(e.bytes);
  return true;
}

bool is_mem_write(const Event& e) { return evt_family(e.type) == EvtFamily::mem_write; }
bool write_offset(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_mem_write(e)) return false;
  out.push_uint(e.offset);
  return true;
}
bool write_bytes(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_mem_write(e)) return false;
  out.push_uint(e.bytes);
  return true;
}

bool is_fd_take(const Event& e) { return e.type == EvtType::pidfd_getfd; }
bool getfd_target_fd(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_fd_take(e)) return false;
  out.push_int(e.target_fd);
  return true;
}
bool getfd_is_mem_file(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_fd_take(e) || e.res < 0) return false;
  out.push_bool(e.taken_mem_file);
  return true;
}
bool getfd_mem_pid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!is_fd_take(e) || !e.taken_mem_file) return false;
  out.push_int(e.taken_mem_pid);
  return true;
}

}  // namespace

void add_injection_fields(std::vector<FieldDef>& out) {
  EvtTypeSet ptrace;
  ptrace.add(EvtType::ptrace);
  EvtTypeSet vm;
  vm.add(EvtType::process_vm_writev);
  vm.add(EvtType::process_vm_readv);

  out.push_back({.name = "ptrace.request", .type = FieldType::int64,
                 .description = "ptrace request; compare with names (PTRACE_POKETEXT, "
                                "PTRACE_SEIZE...) or numbers: `ptrace.request in "
                                "(PTRACE_POKETEXT, PTRACE_POKEDATA)`. Outputs show the name.",
                 .extract = ptrace_request,
                 .parse_symbol = ptrace_request_from_name,
                 .render_symbol = ptrace_request_name,
                 .types = ptrace,
                 .falco_compatible = false,
                 .analysis_dims = kDimType | kDimRequest});
  out.push_back({.name = "ptrace.addr", .type = FieldType::uint64,
                 .description = "ptrace addr argument (the address poked or peeked).",
                 .extract = ptrace_addr, .types = ptrace, .falco_compatible = false});
  out.push_back({.name = "ptrace.data", .type = FieldType::uint64,
                 .description = "ptrace data argument (the word written by POKE requests).",
                 .extract = ptrace_data, .types = ptrace, .falco_compatible = false});
  out.push_back({.name = "ptrace.arch_prctl_code", .type = FieldType::int64,
                 .description = "PTRACE_ARCH_PRCTL only: the arch_prctl code as the kernel reads "
                                "it, the low 32 bits of data (ARCH_SET_FS, ARCH_SET_GS... or "
                                "numbers). ptrace.data is the full register, high bits included.",
                 .extract = ptrace_arch_prctl_code,
                 .parse_symbol = arch_prctl_code_from_name,
                 .render_symbol = arch_prctl_code_name,
                 .types = ptrace, .falco_compatible = false});
  EvtTypeSet mem_write;
  for (const EvtTypeInfo& i : kEvtTypes)
    if (i.family == EvtFamily::mem_write) mem_write.add(i.type);
  out.push_back({.name = "write.offset", .type = FieldType::uint64,
                 .description = "Memory-file writes: where the write starts in the target's "
                                "address space (the file offset: pwrite's, or the file position "
                                "for write and writev).",
                 .extract = write_offset, .types = mem_write, .falco_compatible = false});
  out.push_back({.name = "write.bytes", .type = FieldType::uint64,
                 .description = "Memory-file writes: bytes the caller asked to write, iovecs "
                                "summed (evt.rawres: bytes actually written).",
                 .extract = write_bytes, .types = mem_write, .falco_compatible = false});
  EvtTypeSet getfd;
  getfd.add(EvtType::pidfd_getfd);
  out.push_back({.name = "getfd.target_fd", .type = FieldType::int64,
                 .description = "pidfd_getfd: the descriptor number taken, in the target's table "
                                "(fd.num: the copy in the taker).",
                 .extract = getfd_target_fd, .types = getfd, .falco_compatible = false});
  out.push_back({.name = "getfd.is_mem_file", .type = FieldType::boolean,
                 .description = "pidfd_getfd: true when the taken descriptor is a process memory "
                                "file (/proc/PID/mem, /proc/PID/task/TID/mem), recognised by what "
                                "the file is, not by its name. Absent for a failed call.",
                 .extract = getfd_is_mem_file, .types = getfd, .falco_compatible = false});
  out.push_back({.name = "getfd.mem_pid", .type = FieldType::int64,
                 .description = "pidfd_getfd of a memory file: the host pid of the process whose "
                                "memory it is (0 when that process is gone); absent for other "
                                "files.",
                 .extract = getfd_mem_pid, .types = getfd, .falco_compatible = false});
  out.push_back({.name = "vm.bytes", .type = FieldType::uint64,
                 .description = "process_vm_writev/readv: total bytes the caller asked to move "
                                "(evt.rawres: bytes actually moved).",
                 .extract = vm_bytes, .types = vm, .falco_compatible = false});
}

}  // namespace th
