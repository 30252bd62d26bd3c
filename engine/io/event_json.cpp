#include "engine/io/event_json.h"

#include "engine/core/alert.h"
#include "engine/core/exe_trust.h"
#include "engine/core/ptrace_request.h"
#include "engine/io/event_keys.h"

namespace th {
namespace {

using json = nlohmann::json;

// Small typed accessors that say which key is wrong instead of throwing.
class Obj {
 public:
  Obj(const json& j, std::string prefix, std::string& error)
      : j_(j), prefix_(std::move(prefix)), error_(error) {}

  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }

  bool fail(const char* key, const std::string& what) {
    if (error_.empty()) error_ = prefix_ + key + ": " + what;
    return false;
  }

  bool get_int(const char* key, int64_t& out) {
    if (!has(key)) return true;
    const json& v = j_.at(key);
    if (v.is_number_integer()) {
      out = v.get<int64_t>();
      return true;
    }
    return fail(key, "expected an integer");
  }
  template <class T>
  bool get_num(const char* key, T& out) {
    int64_t v = static_cast<int64_t>(out);
    if (!get_int(key, v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  bool get_uint(const char* key, uint64_t& out) {
    if (!has(key)) return true;
    const json& v = j_.at(key);
    if (v.is_number_unsigned()) {
      out = v.get<uint64_t>();
      return true;
    }
    if (v.is_number_integer() && v.get<int64_t>() >= 0) {
      out = static_cast<uint64_t>(v.get<int64_t>());
      return true;
    }
    return fail(key, "expected a non-negative integer");
  }
  bool get_str(const char* key, std::string& out) {
    if (!has(key)) return true;
    const json& v = j_.at(key);
    if (v.is_string()) {
      out = v.get<std::string>();
      return true;
    }
    return fail(key, "expected a string");
  }
  bool get_bool(const char* key, bool& out) {
    if (!has(key)) return true;
    const json& v = j_.at(key);
    if (v.is_boolean()) {
      out = v.get<bool>();
      return true;
    }
    return fail(key, "expected true or false");
  }
  bool get_strings(const char* key, std::vector<std::string>& out) {
    if (!has(key)) return true;
    const json& v = j_.at(key);
    if (!v.is_array()) return fail(key, "expected an array of strings");
    out.clear();
    for (const auto& s : v) {
      if (!s.is_string()) return fail(key, "expected an array of strings");
      out.push_back(s.get<std::string>());
    }
    return true;
  }
  // An array of loader-variable names (LD_PRELOAD...), as bits (engine/core/exe_trust.h).
  bool get_env_injection(const char* key, uint8_t& out) {
    std::vector<std::string> names;
    if (!get_strings(key, names)) return false;
    for (const auto& n : names) {
      uint8_t bit = env_injection_bit(n);
      if (!bit) return fail(key, "'" + n + "' is not LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH or UNSCANNED");
      out |= bit;
    }
    return true;
  }
  // An array of descriptor numbers 0..63, as a bit set.
  bool get_fd_set(const char* key, uint64_t& out) {
    if (!has(key)) return true;
    const json& v = j_.at(key);
    if (!v.is_array()) return fail(key, "expected an array of descriptor numbers (0 to 63)");
    out = 0;
    for (const auto& fd : v) {
      if (!fd.is_number_integer() || fd.get<int64_t>() < 0 || fd.get<int64_t>() > 63)
        return fail(key, "expected an array of descriptor numbers (0 to 63)");
      out |= uint64_t{1} << fd.get<int64_t>();
    }
    return true;
  }
  const json* sub(const char* key) {
    if (!has(key)) return nullptr;
    const json& v = j_.at(key);
    if (!v.is_object()) {
      fail(key, "expected an object");
      return nullptr;
    }
    return &v;
  }

 private:
  const json& j_;
  std::string prefix_;
  std::string& error_;
};

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Reads a process object; `fallback_pid` is used when it names no pid.
bool read_process(const json& j, const std::string& prefix, int32_t fallback_pid, Process& p,
                  std::string& error) {
  Obj o(j, prefix, error);
  p.pid = fallback_pid;
  int64_t loginuid = -1;
  bool ok = o.get_num("pid", p.pid) && o.get_num("ppid", p.ppid) && o.get_num("vpid", p.vpid) &&
            o.get_uint("pidns", p.pidns) && o.get_num("uid", p.uid) &&
            o.get_int("loginuid", loginuid) && o.get_num("tty", p.tty) &&
            o.get_uint("start_time", p.start_ns) && o.get_uint("cgroup_id", p.cgroup_id) &&
            o.get_str("name", p.comm) && o.get_str("exepath", p.exepath) &&
            o.get_strings("argv", p.argv) && o.get_str("container_id", p.container_id) &&
            o.get_str("container_full_id", p.container_full_id) &&
            o.get_bool("exe_from_memfd", p.exe_from_memfd) && o.get_uint("exe_dev", p.exe_dev) &&
            o.get_uint("exe_ino", p.exe_ino) && o.get_env_injection("env_injection", p.env_injection);
  if (!ok) return false;
  p.exe_identity_known = o.has("exe_dev") || o.has("exe_ino");
  if (p.pid <= 0) return o.fail("pid", "must be a positive pid");
  p.loginuid = loginuid < 0 ? kNoUid : static_cast<uint32_t>(loginuid);
  if (p.vpid == 0) p.vpid = p.pid;
  if (p.exepath.empty() && !p.comm.empty()) p.exepath = "/usr/bin/" + p.comm;
  if (p.exepath.empty()) p.exepath = "/usr/bin/test-proc";
  if (p.comm.empty()) p.comm = basename_of(p.exepath).substr(0, 15);
  if (p.argv.empty()) p.argv.push_back(p.exepath);
  if (p.container_id.empty()) p.container_id = p.container_full_id.empty()
                                                   ? "host"
                                                   : p.container_full_id.substr(0, 12);
  p.refresh_cmdline();
  return true;
}

bool parse_time(const json& j, uint64_t& out, std::string& error) {
  if (j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0)) {
    out = j.get<uint64_t>();
    return true;
  }
  if (j.is_string()) {
    auto a = alert_from_json(R"({"output":"","priority":"Debug","rule":"x","time":")" +
                             j.get<std::string>() + "\"}");
    if (a) {
      out = a->time_ns;
      return true;
    }
  }
  error = "time: expected nanoseconds since the epoch or an RFC 3339 time with a Z suffix";
  return false;
}

// The acting process: proc, its ancestors (linked where the file leaves ppids out) and the actor.
bool read_acting_process(const json& j, EventRecord& r, Process& proc, std::string& error) {
  Obj o(j, "", error);
  const json* pj = o.sub("proc");
  if (!error.empty()) return false;
  if (!read_process(pj ? *pj : json::object(), "proc.", 1000, proc, error)) return false;
  if (pj && pj->contains("ancestors")) {
    const json& an = pj->at("ancestors");
    if (!an.is_array()) {
      error = "proc.ancestors: expected an array of process objects";
      return false;
    }
    for (std::size_t i = 0; i < an.size(); ++i) {
      Process a;
      std::string pfx = "proc.ancestors[" + std::to_string(i) + "].";
      if (!an[i].is_object()) {
        error = pfx.substr(0, pfx.size() - 1) + ": expected an object";
        return false;
      }
      if (!read_process(an[i], pfx, 0, a, error)) return false;
      r.ancestors.push_back(std::move(a));
    }
    for (std::size_t i = 0; i + 1 < r.ancestors.size(); ++i)
      if (r.ancestors[i].ppid == 0) r.ancestors[i].ppid = r.ancestors[i + 1].pid;
    if (proc.ppid == 0 && !r.ancestors.empty()) proc.ppid = r.ancestors[0].pid;
  }
  if (proc.ppid == 0) proc.ppid = 1;
  int64_t tid = proc.pid;
  if (pj) {
    Obj po(*pj, "proc.", error);
    if (!po.get_int("tid", tid)) return false;
  }
  Actor& a = r.event.actor;
  a.pid = proc.pid;
  a.tid = static_cast<int32_t>(tid);
  a.ppid = proc.ppid;
  a.vpid = proc.vpid;
  a.uid = proc.uid;
  a.loginuid = proc.loginuid;
  a.cgroup_id = proc.cgroup_id;
  a.pidns = proc.pidns;
  a.comm = proc.comm;
  return true;
}

bool read_ptrace_args(Obj& o, Event& e, int64_t& arg_pid, std::string& error) {
  const json* pt = o.sub("ptrace");
  if (!error.empty()) return false;
  if (!pt || !pt->contains("request")) {
    error = "ptrace.request: missing";
    return false;
  }
  const json& req = pt->at("request");
  if (req.is_string()) {
    auto v = ptrace_request_from_name(req.get<std::string>());
    if (!v) {
      error = "ptrace.request: unknown request '" + req.get<std::string>() + "'";
      return false;
    }
    e.request = *v;
  } else if (req.is_number_integer()) {
    e.request = req.get<int64_t>();
  } else {
    error = "ptrace.request: expected a name (PTRACE_POKETEXT) or a number";
    return false;
  }
  Obj po(*pt, "ptrace.", error);
  return po.get_uint("addr", e.addr) && po.get_uint("data", e.data) && po.get_int("pid", arg_pid);
}

// exec: the new image; after an exec the process runs it, and rules see it that way.
bool read_exec_args(Obj& o, const json* pj, Event& e, Process& proc, std::string& error) {
  const json* ex = o.sub("exec");
  if (!error.empty()) return false;
  e.exepath = proc.exepath;
  e.argv = proc.argv;
  e.exe_from_memfd = proc.exe_from_memfd;
  if (ex) {
    Obj xo(*ex, "exec.", error);
    if (!xo.get_str("exepath", e.exepath) || !xo.get_strings("argv", e.argv) ||
        !xo.get_bool("memfd", e.exe_from_memfd) || !xo.get_fd_set("fileless_fds", e.fileless_fds))
      return false;
    if (ex->contains("exepath") && !ex->contains("argv")) e.argv = {e.exepath};
  }
  proc.exepath = e.exepath;
  proc.argv = e.argv;
  proc.exe_from_memfd = e.exe_from_memfd;
  if (!pj || !pj->contains("name")) proc.comm = basename_of(e.exepath).substr(0, 15);
  proc.refresh_cmdline();
  e.actor.comm = proc.comm;
  return true;
}

// The arguments of the event's kind; `arg_pid` is the pid the caller named, if any.
bool read_kind_args(Obj& o, const json* pj, Event& e, Process& proc, int64_t& arg_pid,
                    std::string& error) {
  auto sub = [&](const char* key, const char* prefix, auto&& read) {
    const json* s = o.sub(key);
    if (!error.empty()) return false;
    if (!s) return true;
    Obj so(*s, prefix, error);
    return read(so);
  };
  switch (evt_family(e.type)) {
    case EvtFamily::ptrace: return read_ptrace_args(o, e, arg_pid, error);
    case EvtFamily::vm_write:
    case EvtFamily::vm_read:
      return sub("vm", "vm.", [&](Obj& v) {
        return v.get_uint("bytes", e.bytes) && v.get_int("pid", arg_pid);
      });
    case EvtFamily::mem_open:
      return sub("open", "open.", [&](Obj& v) {
        int64_t flags = 0;
        if (!v.get_str("path", e.path) || !v.get_int("flags", flags) ||
            !v.get_int("pid", arg_pid) || !v.get_bool("io_uring", e.io_uring))
          return false;
        e.open_flags = static_cast<uint32_t>(flags);
        return true;
      });
    case EvtFamily::mem_write:
      return sub("write", "write.", [&](Obj& v) {
        int64_t fd = e.fd;
        if (!v.get_str("path", e.path) || !v.get_int("fd", fd) ||
            !v.get_uint("offset", e.offset) || !v.get_uint("bytes", e.bytes) ||
            !v.get_int("pid", arg_pid) || !v.get_bool("io_uring", e.io_uring))
          return false;
        e.fd = static_cast<int32_t>(fd);
        return true;
      });
    case EvtFamily::fd_take:
      return sub("getfd", "getfd.", [&](Obj& v) {
        int64_t fd = e.fd, target_fd = e.target_fd;
        if (!v.get_str("path", e.path) || !v.get_int("fd", fd) ||
            !v.get_int("target_fd", target_fd) || !v.get_bool("mem_file", e.taken_mem_file) ||
            !v.get_num("mem_pid", e.taken_mem_pid) || !v.get_int("pid", arg_pid))
          return false;
        e.fd = static_cast<int32_t>(fd);
        e.target_fd = static_cast<int32_t>(target_fd);
        return true;
      });
    case EvtFamily::exec: return read_exec_args(o, pj, e, proc, error);
    case EvtFamily::fork: {
      bool ok = sub("fork", "fork.", [&](Obj& v) {
        return v.get_num("child_pid", e.child_pid) && v.get_num("child_tid", e.child_tid) &&
               v.get_uint("flags", e.clone_flags);
      });
      if (e.child_tid == 0) e.child_tid = e.child_pid;
      return ok;
    }
    case EvtFamily::exit:
      return sub("exit", "exit.", [&](Obj& v) { return v.get_num("code", e.exit_code); });
  }
  return true;
}

// The target of injection kinds: its pid from the target object, else from the arguments.
bool read_target(Obj& o, int64_t arg_pid, EventRecord& r, std::string& error) {
  Event& e = r.event;
  e.target_arg_pid = static_cast<int32_t>(arg_pid);
  const json* tj = o.sub("target");
  if (!error.empty()) return false;
  int32_t tpid = static_cast<int32_t>(arg_pid);
  if (tj) {
    Process target;
    if (!read_process(*tj, "target.", tpid > 0 ? tpid : 0, target, error)) return false;
    Obj to(*tj, "target.", error);
    int64_t ttid = target.pid;
    if (!to.get_int("tid", ttid)) return false;
    if (tj->contains("is_descendant")) {
      bool d = false;
      if (!to.get_bool("is_descendant", d)) return false;
      e.target_is_descendant = d ? Tri::yes : Tri::no;
    }
    tpid = target.pid;
    e.target_tid = static_cast<int32_t>(ttid);
    if (target.ppid == 0) target.ppid = 1;
    r.target = std::move(target);
  }
  e.target_pid = tpid > 0 ? tpid : 0;
  if (e.target_arg_pid == 0) e.target_arg_pid = e.target_pid;
  if (e.target_tid == 0) e.target_tid = e.target_pid;
  return true;
}

// The event's type, time and result.
bool read_event_head(Obj& o, const json& j, const EventDefaults& d, Event& e,
                     std::string& error) {
  std::string type;
  if (!o.has("type")) {
    error = "type: missing (ptrace, process_vm_writev, openat, execve, clone, procexit...)";
    return false;
  }
  if (!o.get_str("type", type)) return false;
  auto t = evt_type_from_name(type);
  if (!t) {
    error = "type: unknown event type '" + type + "'";
    return false;
  }
  e.type = *t;
  e.ts_ns = d.base_time_ns + d.index * 1'000'000ull;
  if (o.has("time") && !parse_time(j.at("time"), e.ts_ns, error)) return false;
  return o.get_int("res", e.res);
}

}  // namespace

std::optional<EventRecord> event_from_json(const json& j, const EventDefaults& d,
                                           std::string& error) {
  error.clear();
  if (!j.is_object()) {
    error = "an event must be a JSON object";
    return std::nullopt;
  }
  // A misspelt key would otherwise silently become a default.
  if (auto p = check_event_keys(j)) {
    error = p->path.empty() ? p->message : p->path + ": " + p->message;
    return std::nullopt;
  }
  EventRecord r;
  Obj o(j, "", error);
  Process proc;
  int64_t arg_pid = 0;
  if (!read_event_head(o, j, d, r.event, error) || !read_acting_process(j, r, proc, error))
    return std::nullopt;
  const json* pj = j.contains("proc") && j.at("proc").is_object() ? &j.at("proc") : nullptr;
  if (!read_kind_args(o, pj, r.event, proc, arg_pid, error)) return std::nullopt;
  r.proc = std::move(proc);
  if (evt_has_target(r.event.type) && !read_target(o, arg_pid, r, error)) return std::nullopt;
  return r;
}

std::optional<EventRecord> event_from_json_line(std::string_view line, const EventDefaults& d,
                                                std::string& error) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = "not valid JSON";
    return std::nullopt;
  }
  return event_from_json(j, d, error);
}

void apply_record(const EventRecord& r, ProcessTable& table) {
  for (auto it = r.ancestors.rbegin(); it != r.ancestors.rend(); ++it) table.upsert(*it);
  if (r.proc) table.upsert(*r.proc);
  if (r.target) table.upsert(*r.target);
}

namespace {

nlohmann::ordered_json process_json(const Process& p) {
  nlohmann::ordered_json j;
  j["pid"] = p.pid;
  j["ppid"] = p.ppid;
  j["vpid"] = p.vpid;
  j["pidns"] = p.pidns;
  j["name"] = p.comm;
  j["exepath"] = p.exepath;
  j["argv"] = p.argv;
  j["uid"] = p.uid;
  j["loginuid"] = p.loginuid == kNoUid ? -1 : static_cast<int64_t>(p.loginuid);
  j["tty"] = p.tty;
  j["start_time"] = p.start_ns;
  j["cgroup_id"] = p.cgroup_id;
  j["container_id"] = p.container_id;
  j["container_full_id"] = p.container_full_id;
  j["exe_from_memfd"] = p.exe_from_memfd;
  if (p.exe_identity_known) {
    j["exe_dev"] = p.exe_dev;
    j["exe_ino"] = p.exe_ino;
  }
  if (p.env_injection) {
    std::vector<std::string_view> names;
    for (const auto& [bit, name] : kEnvInjectionNames)
      if (p.env_injection & bit) names.push_back(name);
    j["env_injection"] = names;
  }
  return j;
}

}  // namespace

nlohmann::ordered_json event_to_json(const Event& e, const ProcessTable& table,
                                     unsigned max_ancestors) {
  nlohmann::ordered_json j;
  j["type"] = evt_type_name(e.type);
  j["time"] = e.ts_ns;
  j["res"] = e.res;
  nlohmann::ordered_json proc;
  if (e.proc) {
    proc = process_json(*e.proc);
    auto an = nlohmann::ordered_json::array();
    unsigned n = 0;
    table.for_each_ancestor(*e.proc, [&](const Process& a) {
      an.push_back(process_json(a));
      return ++n < max_ancestors;
    });
    if (!an.empty()) proc["ancestors"] = std::move(an);
  } else {
    proc["pid"] = e.actor.pid;
    proc["ppid"] = e.actor.ppid;
    proc["vpid"] = e.actor.vpid;
    proc["name"] = e.actor.comm;
    proc["uid"] = e.actor.uid;
  }
  // The thread and the credentials at the time of the event win over the table's.
  proc["tid"] = e.actor.tid;
  proc["uid"] = e.actor.uid;
  proc["loginuid"] = e.actor.loginuid == kNoUid ? -1 : static_cast<int64_t>(e.actor.loginuid);
  j["proc"] = std::move(proc);
  switch (evt_family(e.type)) {
    case EvtFamily::ptrace:
      j["ptrace"] = {{"request", std::string(ptrace_request_name(e.request)).empty()
                                     ? nlohmann::ordered_json(e.request)
                                     : nlohmann::ordered_json(ptrace_request_name(e.request))},
                     {"addr", e.addr},
                     {"data", e.data},
                     {"pid", e.target_arg_pid}};
      break;
    case EvtFamily::vm_write:
    case EvtFamily::vm_read:
      j["vm"] = {{"bytes", e.bytes}, {"pid", e.target_arg_pid}};
      break;
    case EvtFamily::mem_open:
      j["open"] = {{"path", e.path}, {"flags", e.open_flags}, {"pid", e.target_arg_pid}};
      if (e.io_uring) j["open"]["io_uring"] = true;
      break;
    case EvtFamily::exec:
      j["exec"] = {{"exepath", e.exepath}, {"argv", e.argv}, {"memfd", e.exe_from_memfd}};
      if (e.fileless_fds) {
        std::vector<int> fds;
        for (int fd = 0; fd < 64; ++fd)
          if (e.fileless_fds >> fd & 1) fds.push_back(fd);
        j["exec"]["fileless_fds"] = fds;
      }
      break;
    case EvtFamily::fork:
      j["fork"] = {{"child_pid", e.child_pid}, {"child_tid", e.child_tid}, {"flags", e.clone_flags}};
      break;
    case EvtFamily::exit:
      j["exit"] = {{"code", e.exit_code}};
      break;
    case EvtFamily::mem_write:
      j["write"] = {{"path", e.path},     {"fd", e.fd},       {"offset", e.offset},
                    {"bytes", e.bytes},   {"pid", e.target_arg_pid}};
      if (e.io_uring) j["write"]["io_uring"] = true;
      break;
    case EvtFamily::fd_take:
      j["getfd"] = {{"path", e.path},          {"fd", e.fd},
                    {"target_fd", e.target_fd}, {"mem_file", e.taken_mem_file},
                    {"mem_pid", e.taken_mem_pid}, {"pid", e.target_arg_pid}};
      break;
  }
  if (evt_has_target(e.type) && e.target_pid > 0) {
    nlohmann::ordered_json t = e.target ? process_json(*e.target) : nlohmann::ordered_json{};
    t["pid"] = e.target_pid;
    t["tid"] = e.target_tid;
    if (e.target_is_descendant != Tri::unknown)
      t["is_descendant"] = e.target_is_descendant == Tri::yes;
    j["target"] = std::move(t);
  }
  return j;
}

}  // namespace th
