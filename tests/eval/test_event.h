// A small world for evaluation tests: a process tree and one event of each kind.
//   1 systemd -> 100 bash -> 200 inject (tty 34816) -> 250 child
//   1 systemd -> 300 victim-service
#pragma once

#include "engine/core/event.h"
#include "engine/proc/process_table.h"

namespace th::testing {

inline Process make_proc(int32_t pid, int32_t ppid, std::string comm, std::string exe,
                         std::vector<std::string> argv, std::string container = "host") {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.vpid = pid;
  p.comm = std::move(comm);
  p.exepath = std::move(exe);
  p.argv = std::move(argv);
  p.container_id = std::move(container);
  p.refresh_cmdline();
  return p;
}

class World {
 public:
  World() : table(ProcessTableOptions{.proc_root = "", .passwd_path = ""}) {
    table.upsert(make_proc(1, 0, "systemd", "/usr/lib/systemd/systemd", {"/sbin/init"}));
    table.upsert(make_proc(100, 1, "bash", "/usr/bin/bash", {"-bash"}));
    Process inject = make_proc(200, 100, "inject", "/tmp/inject", {"./inject", "300", "--quiet"});
    inject.tty = 34816;
    table.upsert(inject);
    table.upsert(make_proc(250, 200, "child", "/usr/bin/sleep", {"sleep", "100"}));
    table.upsert(make_proc(300, 1, "victim-service", "/usr/sbin/victim", {"/usr/sbin/victim"}));
  }

  // A ptrace call by `tracer` on `target`.
  Event ptrace(int64_t request, int32_t tracer = 200, int32_t target = 300, int64_t res = 0) {
    Event e;
    e.type = EvtType::ptrace;
    e.ts_ns = 1767225600000000000ull;
    e.res = res;
    set_actor(e, tracer);
    e.request = request;
    e.addr = 0x401000;
    e.data = 0xdeadbeef;
    e.target_pid = target;
    e.target_tid = target;
    e.target_arg_pid = target;
    return finish(e);
  }

  Event exec(int32_t pid, std::string exe, bool memfd = false) {
    Event e;
    e.type = EvtType::execve;
    e.ts_ns = 1767225600000000000ull;
    set_actor(e, pid);
    e.exepath = std::move(exe);
    e.exe_from_memfd = memfd;
    e.argv = {e.exepath};
    table.on_exec(e);  // as the detector does before evaluating
    return finish(e);
  }

  Event open_mem(int32_t opener, int32_t target, uint32_t flags) {
    Event e;
    e.type = EvtType::openat;
    e.ts_ns = 1767225600000000000ull;
    set_actor(e, opener);
    e.target_pid = target;
    e.target_arg_pid = target;
    e.open_flags = flags;
    e.path = "/proc/" + std::to_string(target) + "/mem";
    return finish(e);
  }

  ProcessTable table;

 private:
  void set_actor(Event& e, int32_t pid) {
    const Process* p = table.find(pid);
    e.actor.pid = pid;
    e.actor.tid = pid;
    e.actor.ppid = p ? p->ppid : 0;
    e.actor.vpid = pid;
    e.actor.comm = p ? p->comm : "";
  }
  Event finish(Event& e) {
    e.table = &table;
    e.proc = table.find(e.actor.pid);
    e.target = e.target_pid ? table.find(e.target_pid) : nullptr;
    return e;
  }
};

}  // namespace th::testing
