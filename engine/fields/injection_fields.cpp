// ptrace.* and vm.*: the arguments of the injection system calls, typed for rules.
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
bool vm_bytes(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.type != EvtType::process_vm_writev && e.type != EvtType::process_vm_readv) return false;
  out.push_uint(e.bytes);
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
  out.push_back({.name = "vm.bytes", .type = FieldType::uint64,
                 .description = "process_vm_writev/readv: total bytes the caller asked to move "
                                "(evt.rawres: bytes actually moved).",
                 .extract = vm_bytes, .types = vm, .falco_compatible = false});
}

}  // namespace th
