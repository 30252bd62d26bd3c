// target.*: the process an injection event acts upon (ptrace, process_vm_*, memory-file opens).
#include "engine/fields/builtin_fields.h"
#include "engine/fields/container_fields.h"
#include "engine/fields/scratch.h"
#include "engine/proc/process_table.h"

namespace th {
namespace {

constexpr EvtTypeSet targeted_types() {
  EvtTypeSet s;
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    if (evt_has_target(static_cast<EvtType>(i))) s.add(static_cast<EvtType>(i));
  return s;
}
constexpr EvtTypeSet kTargeted = targeted_types();

const Process* target_of(const Event& e) {
  return evt_has_target(e.type) && e.target_pid > 0 ? e.target : nullptr;
}

bool target_pid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!evt_has_target(e.type) || e.target_pid <= 0) return false;
  out.push_int(e.target_pid);
  return true;
}
bool target_tid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!evt_has_target(e.type) || e.target_pid <= 0) return false;
  out.push_int(e.target_tid > 0 ? e.target_tid : e.target_pid);
  return true;
}

template <auto Member>
bool target_string(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  out.push_str(t->*Member);
  return true;
}

bool target_exe(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  out.push_str(t->argv.empty() ? std::string_view(t->exepath) : std::string_view(t->argv[0]));
  return true;
}
bool target_ppid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  out.push_int(t->ppid);
  return true;
}
bool target_pname(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t || !e.table) return false;
  const Process* p = e.table->ancestor(*t, 1);
  if (!p) return false;
  out.push_str(p->comm);
  return true;
}
bool target_uid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  out.push_uint(t->uid);
  return true;
}
bool target_container_id(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  out.push_str(t->container_id.empty() ? std::string_view("host")
                                        : std::string_view(t->container_id));
  return true;
}
// As container.name and container.image, for the target.
bool target_container_name(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  push_container_name(e, *t, out);
  return true;
}
bool target_container_image(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* t = target_of(e);
  if (!t) return false;
  push_container_image(e, *t, out);
  return true;
}
// The kernel's answer when the event came from the probe; otherwise the process table's.
bool target_is_descendant(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!evt_has_target(e.type) || e.target_pid <= 0) return false;
  if (e.target_is_descendant != Tri::unknown) {
    out.push_bool(e.target_is_descendant == Tri::yes);
    return true;
  }
  if (!e.table) return false;
  out.push_bool(e.table->is_ancestor(e.actor.pid, e.target_pid));
  return true;
}
bool target_is_self(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!evt_has_target(e.type) || e.target_pid <= 0) return false;
  out.push_bool(e.target_pid == e.actor.pid);
  return true;
}

}  // namespace

void add_target_fields(std::vector<FieldDef>& out) {
  using T = FieldType;
  auto add = [&](FieldDef d) {
    d.types = kTargeted;
    d.falco_compatible = false;
    out.push_back(d);
  };
  add({.name = "target.pid", .type = T::int64,
       .description = "Host pid of the target process, resolved in the kernel even when the "
                      "caller lives in another pid namespace (from the process table on "
                      "kernels that cannot).",
       .extract = target_pid});
  add({.name = "target.tid", .type = T::int64,
       .description = "Host id of the target thread (the thread ptrace or the /proc path "
                      "names); target.pid when not thread-specific.",
       .extract = target_tid});
  add({.name = "target.name", .type = T::string, .description = "Name (comm) of the target.",
       .extract = target_string<&Process::comm>});
  add({.name = "target.exe", .type = T::string, .description = "argv[0] of the target.",
       .extract = target_exe});
  add({.name = "target.exepath", .type = T::string,
       .description = "Full executable path of the target.",
       .extract = target_string<&Process::exepath>});
  add({.name = "target.cmdline", .type = T::string,
       .description = "Command line of the target (name and arguments).",
       .extract = target_string<&Process::cmdline>});
  add({.name = "target.args", .type = T::string,
       .description = "Arguments of the target after argv[0].",
       .extract = target_string<&Process::args>});
  add({.name = "target.ppid", .type = T::int64,
       .description = "Host pid of the target's parent.", .extract = target_ppid});
  add({.name = "target.pname", .type = T::string,
       .description = "Name of the target's parent.", .extract = target_pname});
  add({.name = "target.uid", .type = T::uint64, .description = "User id of the target.",
       .extract = target_uid});
  add({.name = "target.container.id", .type = T::string,
       .description = "12-character container id of the target; `host` outside containers.",
       .extract = target_container_id});
  add({.name = "target.container.full_id", .type = T::string,
       .description = "64-character container id of the target; empty outside containers.",
       .extract = target_string<&Process::container_full_id>});
  add({.name = "target.container.name", .type = T::string,
       .description = "Name of the target's container, from the container runtime (see "
                      "container.name); `host` outside containers.",
       .extract = target_container_name});
  add({.name = "target.container.image", .type = T::string,
       .description = "Image of the target's container, from the container runtime (see "
                      "container.image); empty outside containers.",
       .extract = target_container_image});
  add({.name = "target.is_descendant", .type = T::boolean,
       .description = "true when the acting process is an ancestor of the target (a debugger "
                      "or supervisor working on its own child).",
       .extract = target_is_descendant});
  add({.name = "target.is_self", .type = T::boolean,
       .description = "true when the acting process is the target itself.",
       .extract = target_is_self});
}

}  // namespace th
