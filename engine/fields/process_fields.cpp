// proc.*, thread.*, user.* and container.* fields: the acting process and its ancestry.
#include "engine/fields/builtin_fields.h"
#include "engine/fields/container_fields.h"
#include "engine/fields/scratch.h"
#include "engine/proc/process_table.h"

namespace th {
namespace {

const Process* parent_of(const Event& e) {
  if (!e.proc || !e.table) return nullptr;
  return e.table->ancestor(*e.proc, 1);
}

std::string_view exe_of(const Process& p) {
  return p.argv.empty() ? std::string_view(p.exepath) : std::string_view(p.argv[0]);
}

// Ancestor fields: with an index N, the N-th ancestor (0 = the process itself, 1 = its parent);
// without one, every ancestor from the parent up (Falco's "any ancestor" form).
template <class Get>
bool ancestors(const Event& e, const FieldArg& arg, Values& out, Get get) {
  if (!e.proc) return false;
  if (arg.present) {
    if (arg.index < 0) return false;
    const Process* p = arg.index == 0 ? e.proc
                       : e.table     ? e.table->ancestor(*e.proc, static_cast<unsigned>(arg.index))
                                     : nullptr;
    if (!p) return false;
    get(*p, out);
    return true;
  }
  if (!e.table) return false;
  e.table->for_each_ancestor(*e.proc, [&](const Process& p) {
    get(p, out);
    return out.size() < Values::kCapacity;
  });
  return !out.empty();
}

bool proc_pid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_int(e.actor.pid);
  return true;
}
bool thread_tid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_int(e.actor.tid);
  return true;
}
bool proc_vpid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_int(e.proc ? e.proc->vpid : e.actor.vpid);
  return true;
}
bool proc_name(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (e.proc) out.push_str(e.proc->comm);
  else if (!e.actor.comm.empty()) out.push_str(e.actor.comm);
  else return false;
  return true;
}
bool proc_exe(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_str(exe_of(*e.proc));
  return true;
}
bool proc_exepath(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_str(e.proc->exepath);
  return true;
}
bool proc_cmdline(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_str(e.proc->cmdline);
  return true;
}
bool proc_args(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_str(e.proc->args);
  return true;
}
bool proc_ppid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_int(e.proc ? e.proc->ppid : e.actor.ppid);
  return true;
}
bool proc_pname(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* p = parent_of(e);
  if (!p) return false;
  out.push_str(p->comm);
  return true;
}
bool proc_pexe(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* p = parent_of(e);
  if (!p) return false;
  out.push_str(exe_of(*p));
  return true;
}
bool proc_pexepath(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* p = parent_of(e);
  if (!p) return false;
  out.push_str(p->exepath);
  return true;
}
bool proc_pcmdline(const Event& e, const FieldArg&, Scratch&, Values& out) {
  const Process* p = parent_of(e);
  if (!p) return false;
  out.push_str(p->cmdline);
  return true;
}
bool proc_aname(const Event& e, const FieldArg& a, Scratch&, Values& out) {
  return ancestors(e, a, out, [](const Process& p, Values& o) { o.push_str(p.comm); });
}
bool proc_apid(const Event& e, const FieldArg& a, Scratch&, Values& out) {
  return ancestors(e, a, out, [](const Process& p, Values& o) { o.push_int(p.pid); });
}
bool proc_aexepath(const Event& e, const FieldArg& a, Scratch&, Values& out) {
  return ancestors(e, a, out, [](const Process& p, Values& o) { o.push_str(p.exepath); });
}
bool proc_acmdline(const Event& e, const FieldArg& a, Scratch&, Values& out) {
  return ancestors(e, a, out, [](const Process& p, Values& o) { o.push_str(p.cmdline); });
}
bool proc_cwd(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc || e.proc->cwd.empty()) return false;
  out.push_str(e.proc->cwd);
  return true;
}
bool proc_sid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc || e.proc->sid <= 0) return false;
  out.push_int(e.proc->sid);
  return true;
}
// Name of the session leader (the process whose pid is the session id), as Falco's proc.sname.
bool proc_sname(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc || e.proc->sid <= 0 || !e.table) return false;
  const Process* leader = e.proc->sid == e.proc->pid ? e.proc : e.table->find(e.proc->sid);
  if (!leader) return false;
  out.push_str(leader->comm);
  return true;
}
bool proc_tty(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_int(e.proc->tty);
  return true;
}
bool proc_is_exe_from_memfd(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_bool(e.proc->exe_from_memfd);
  return true;
}
bool user_uid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_uint(e.actor.uid);
  return true;
}
bool user_name(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.table) return false;
  out.push_str(e.table->users().name(e.actor.uid));
  return true;
}
// Falco renders an unset loginuid (4294967295) as -1.
bool user_loginuid(const Event& e, const FieldArg&, Scratch&, Values& out) {
  out.push_int(e.actor.loginuid == kNoUid ? -1 : static_cast<int64_t>(e.actor.loginuid));
  return true;
}
// Start time of the container, when its runtime reported it (container metadata); no value
// outside containers or without a runtime socket, as in Falco.
bool container_start_ts(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc || !e.table) return false;
  uint64_t ts = e.table->containers().start_ns(e.proc->container_full_id);
  if (ts == 0) return false;
  out.push_uint(ts);
  return true;
}
bool container_id(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_str(e.proc->container_id.empty() ? std::string_view("host")
                                            : std::string_view(e.proc->container_id));
  return true;
}
bool container_full_id(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  out.push_str(e.proc->container_full_id);
  return true;
}
// Name and image from the container runtime's API (engine/proc/container_meta.h): empty until
// the runtime answered, and always without a runtime socket.
bool container_name(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  push_container_name(e, *e.proc, out);
  return true;
}
bool container_image(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  push_container_image(e, *e.proc, out);
  return true;
}

}  // namespace

void add_process_fields(std::vector<FieldDef>& out) {
  using T = FieldType;
  auto add = [&](FieldDef d) { out.push_back(d); };
  add({.name = "proc.pid", .type = T::int64,
       .description = "Host pid (thread-group id) of the process that caused the event.",
       .extract = proc_pid});
  add({.name = "thread.tid", .type = T::int64,
       .description = "Host id of the thread that caused the event.", .extract = thread_tid});
  add({.name = "proc.vpid", .type = T::int64,
       .description = "Pid of the process inside its own pid namespace.", .extract = proc_vpid});
  add({.name = "proc.name", .type = T::string,
       .description = "Name of the process (the kernel's comm, at most 15 characters; a process "
                      "can change it).",
       .extract = proc_name});
  add({.name = "proc.exe", .type = T::string,
       .description = "First command-line argument (argv[0]), usually the executable name.",
       .extract = proc_exe});
  add({.name = "proc.exepath", .type = T::string,
       .description = "Full path of the process's executable, as the kernel resolved it at "
                      "exec.",
       .extract = proc_exepath});
  add({.name = "proc.cmdline", .type = T::string,
       .description = "proc.name followed by the arguments: `bash -c ls`.",
       .extract = proc_cmdline});
  add({.name = "proc.args", .type = T::string,
       .description = "Command-line arguments after argv[0], joined by spaces.",
       .extract = proc_args});
  add({.name = "proc.ppid", .type = T::int64,
       .description = "Host pid of the parent process.", .extract = proc_ppid});
  add({.name = "proc.pname", .type = T::string,
       .description = "Name (comm) of the parent process.", .extract = proc_pname});
  add({.name = "proc.pexe", .type = T::string,
       .description = "argv[0] of the parent process.", .extract = proc_pexe});
  add({.name = "proc.pexepath", .type = T::string,
       .description = "Full executable path of the parent process.", .extract = proc_pexepath});
  add({.name = "proc.pcmdline", .type = T::string,
       .description = "Command line of the parent process.", .extract = proc_pcmdline});
  add({.name = "proc.aname", .type = T::string,
       .description = "Name of an ancestor: proc.aname[1] is the parent, [2] the grandparent "
                      "([0] the process itself); without an index, matches when any ancestor "
                      "does.",
       .arg = FieldArgKind::index_optional, .extract = proc_aname});
  add({.name = "proc.apid", .type = T::int64,
       .description = "Pid of an ancestor, indexed as proc.aname.",
       .arg = FieldArgKind::index_optional, .extract = proc_apid});
  add({.name = "proc.aexepath", .type = T::string,
       .description = "Executable path of an ancestor, indexed as proc.aname.",
       .arg = FieldArgKind::index_optional, .extract = proc_aexepath});
  add({.name = "proc.acmdline", .type = T::string,
       .description = "Command line of an ancestor, indexed as proc.aname.",
       .arg = FieldArgKind::index_optional, .extract = proc_acmdline});
  add({.name = "proc.cwd", .type = T::string,
       .description = "Working directory of the process, as last read from /proc (at start-up "
                      "or when the process was first seen).",
       .extract = proc_cwd});
  add({.name = "proc.sid", .type = T::int64,
       .description = "Session id of the process (host pid of its session leader).",
       .extract = proc_sid});
  add({.name = "proc.sname", .type = T::string,
       .description = "Name of the session leader of the process.", .extract = proc_sname});
  add({.name = "proc.tty", .type = T::int64,
       .description = "Controlling terminal device number of the process, 0 when none.",
       .extract = proc_tty});
  add({.name = "proc.is_exe_from_memfd", .type = T::boolean,
       .description = "true when the executable was run from a memfd (fileless execution).",
       .extract = proc_is_exe_from_memfd});
  add({.name = "user.uid", .type = T::uint64,
       .description = "User id of the process at the time of the event.", .extract = user_uid});
  add({.name = "user.name", .type = T::string,
       .description = "User name for user.uid, from the host's passwd file; empty when unknown.",
       .extract = user_name});
  add({.name = "user.loginuid", .type = T::int64,
       .description = "Audit login uid of the process; -1 when no one logged in.",
       .extract = user_loginuid});
  add({.name = "container.start_ts", .type = T::abstime,
       .description = "Container start time (ns since the epoch), from the container runtime "
                      "when its API socket is available; no value otherwise.",
       .extract = container_start_ts});
  add({.name = "container.id", .type = T::string,
       .description = "12-character id of the process's container; `host` outside containers.",
       .extract = container_id});
  add({.name = "container.full_id", .type = T::string,
       .description = "64-character id of the process's container; empty outside containers.",
       .extract = container_full_id});
  add({.name = "container.name", .type = T::string,
       .description = "Name of the process's container, from the container runtime when its "
                      "API socket is available (empty until it answered, and without one); "
                      "`host` outside containers.",
       .extract = container_name});
  add({.name = "container.image", .type = T::string,
       .description = "Image of the process's container as the runtime reports it (e.g. "
                      "`docker.io/library/nginx:1.27`); empty outside containers, until the "
                      "runtime answered, and without a runtime socket.",
       .extract = container_image});
}

}  // namespace th
