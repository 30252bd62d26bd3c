// The replay/capture event format: defaults for short hand-written events, precise errors for
// malformed ones, and capture -> replay round trips that keep everything rules look at.
#include <gtest/gtest.h>

#include "engine/io/event_json.h"

namespace th {
namespace {

std::optional<EventRecord> parse(const std::string& line, std::string& err) {
  return event_from_json_line(line, EventDefaults{.index = 3}, err);
}

TEST(EventJson, ShortEventsGetSensibleDefaults) {
  std::string err;
  auto r = parse(R"({"type":"ptrace","ptrace":{"request":"PTRACE_ATTACH","pid":300}})", err);
  ASSERT_TRUE(r) << err;
  const Event& e = r->event;
  EXPECT_EQ(e.type, EvtType::ptrace);
  EXPECT_EQ(e.request, 16);
  EXPECT_EQ(e.target_pid, 300);
  EXPECT_EQ(e.target_arg_pid, 300);
  EXPECT_EQ(e.actor.pid, 1000);
  EXPECT_EQ(e.actor.tid, 1000);
  EXPECT_EQ(e.actor.ppid, 1);
  EXPECT_EQ(e.ts_ns, EventDefaults{}.base_time_ns + 3'000'000);
  ASSERT_TRUE(r->proc);
  EXPECT_EQ(r->proc->comm, "test-proc");
  EXPECT_EQ(r->proc->exepath, "/usr/bin/test-proc");
  EXPECT_EQ(r->proc->container_id, "host");
  EXPECT_EQ(r->proc->loginuid, kNoUid);
  EXPECT_EQ(e.target_is_descendant, Tri::unknown);
}

// An io_uring request says so in its arguments object; absent means a system call.
TEST(EventJson, IoUringRequestsAreMarked) {
  std::string err;
  auto ring = parse(R"({"type":"pwrite","write":{"pid":300,"fd":4,"offset":4096,"bytes":8,"io_uring":true}})", err);
  ASSERT_TRUE(ring) << err;
  EXPECT_TRUE(ring->event.io_uring);
  auto open = parse(R"({"type":"openat","open":{"pid":300,"flags":2,"io_uring":true}})", err);
  ASSERT_TRUE(open) << err;
  EXPECT_TRUE(open->event.io_uring);
  auto plain = parse(R"({"type":"pwrite","write":{"pid":300,"fd":4,"offset":4096,"bytes":8}})", err);
  ASSERT_TRUE(plain) << err;
  EXPECT_FALSE(plain->event.io_uring);
  EXPECT_FALSE(parse(R"({"type":"pwrite","write":{"pid":300,"io_uring":1}})", err));
  EXPECT_NE(err.find("write.io_uring"), std::string::npos) << err;
}

TEST(EventJson, ProcessObjectsAndAncestors) {
  std::string err;
  auto r = parse(R"({"type":"ptrace","time":"2026-11-26T10:00:00.5Z",
    "proc":{"pid":42,"exepath":"/usr/bin/gdb","argv":["gdb","-p","300"],"uid":1000,
            "ancestors":[{"pid":41,"name":"bash"},{"pid":1,"name":"systemd"}]},
    "ptrace":{"request":4,"addr":4096,"data":7},
    "target":{"pid":300,"name":"nginx","is_descendant":false,"container_full_id":
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}})", err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->event.ts_ns, 1795687200500000000ull);
  EXPECT_EQ(r->proc->comm, "gdb");
  EXPECT_EQ(r->proc->cmdline, "gdb -p 300");
  EXPECT_EQ(r->proc->ppid, 41);
  ASSERT_EQ(r->ancestors.size(), 2u);
  EXPECT_EQ(r->ancestors[0].ppid, 1);
  EXPECT_EQ(r->event.target_is_descendant, Tri::no);
  EXPECT_EQ(r->target->container_id, "0123456789ab");
  ProcessTable t(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  apply_record(*r, t);
  ASSERT_NE(t.find(42), nullptr);
  EXPECT_TRUE(t.is_ancestor(1, 42));
  EXPECT_EQ(t.find(300)->comm, "nginx");
}

TEST(EventJson, ExecUpdatesTheImage) {
  std::string err;
  auto r = parse(R"({"type":"execve","proc":{"pid":7},"exec":{"exepath":"memfd:x","memfd":true}})",
                 err);
  ASSERT_TRUE(r) << err;
  EXPECT_TRUE(r->event.exe_from_memfd);
  EXPECT_EQ(r->proc->comm, "memfd:x");
  EXPECT_EQ(r->proc->argv, std::vector<std::string>{"memfd:x"});
}

TEST(EventJson, MalformedEventsSayWhatIsWrong) {
  struct Bad {
    const char* line;
    const char* error;
  };
  const Bad cases[] = {
      {"not json", "not valid JSON"},
      {"[1,2]", "an event must be a JSON object"},
      {"{}", "type: missing"},
      {R"({"type":"getcwd"})", "type: unknown event type 'getcwd'"},
      {R"({"type":"ptrace"})", "ptrace.request: missing"},
      {R"({"type":"ptrace","ptrace":{"request":"PTRACE_NOPE"}})",
       "ptrace.request: unknown request 'PTRACE_NOPE'"},
      {R"({"type":"ptrace","ptrace":{"request":4,"addr":-1}})",
       "ptrace.addr: expected a non-negative integer"},
      {R"({"type":"ptrace","ptrace":{"request":4},"proc":{"pid":"x"}})",
       "proc.pid: expected an integer"},
      {R"({"type":"ptrace","ptrace":{"request":4},"proc":{"pid":-4}})",
       "proc.pid: must be a positive pid"},
      {R"({"type":"execve","proc":{"ancestors":[{"pid":1},3]}})",
       "proc.ancestors[1]: expected an object"},
      {R"({"type":"openat","open":{"flags":"O_RDWR"}})", "open.flags: expected an integer"},
      {R"({"type":"ptrace","time":"yesterday","ptrace":{"request":4}})", "time: expected"},
      {R"({"type":"ptrace","ptrace":{"request":4},"target":{"pid":3,"is_descendant":1}})",
       "target.is_descendant: expected true or false"},
      // Unknown keys are errors: a typo must not silently become a default.
      {R"({"type":"ptrace","ptrace":{"request":4,"pdi":3}})",
       "ptrace.pdi: unknown key 'pdi'; did you mean 'pid'?"},
      {R"({"type":"ptrace","tiem":1,"ptrace":{"request":4}})",
       "tiem: unknown key 'tiem'; did you mean 'time'?"},
      {R"({"type":"execve","proc":{"pid":5,"ancestors":[{"pid":1,"nmae":"x"}]}})",
       "proc.ancestors[0].nmae: unknown key 'nmae'; did you mean 'name'?"},
      {R"({"type":"execve","vm":{"bytes":1}})", "vm: 'vm' does not apply to execve events"},
      {R"({"type":"clone","target":{"pid":3}})", "target: 'target' does not apply to clone"},
  };
  for (const Bad& b : cases) {
    std::string err;
    EXPECT_FALSE(parse(b.line, err)) << b.line;
    EXPECT_NE(err.find(b.error), std::string::npos) << b.line << " -> " << err;
  }
}

TEST(EventJson, CaptureThenReplayKeepsWhatRulesSee) {
  ProcessTable t(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  Process parent;
  parent.pid = 10;
  parent.ppid = 1;
  parent.comm = "bash";
  parent.exepath = "/usr/bin/bash";
  parent.argv = {"bash"};
  parent.refresh_cmdline();
  t.upsert(parent);
  Process tracer = parent;
  tracer.pid = 11;
  tracer.ppid = 10;
  tracer.comm = "inject";
  tracer.exepath = "/tmp/inject";
  tracer.argv = {"./inject", "12"};
  tracer.refresh_cmdline();
  t.upsert(tracer);
  Process victim = parent;
  victim.pid = 12;
  victim.comm = "sshd";
  victim.exepath = "/usr/sbin/sshd";
  t.upsert(victim);
  Event e;
  e.type = EvtType::ptrace;
  e.ts_ns = 1795658400123456789ull;
  e.res = 0;
  e.actor = {11, 11, 10, 11, 0, kNoUid, 5, 4026531836, "inject"};
  e.request = 5;
  e.addr = 0x1000;
  e.data = 0x90909090;
  e.target_pid = e.target_tid = e.target_arg_pid = 12;
  e.target_is_descendant = Tri::no;
  e.proc = t.find(11);
  e.target = t.find(12);
  e.table = &t;
  std::string line = event_to_json(e, t).dump();
  std::string err;
  auto r = event_from_json_line(line, EventDefaults{}, err);
  ASSERT_TRUE(r) << err << "\n" << line;
  EXPECT_EQ(r->event.ts_ns, e.ts_ns);
  EXPECT_EQ(r->event.request, 5);
  EXPECT_EQ(r->event.addr, 0x1000u);
  EXPECT_EQ(r->event.data, 0x90909090u);
  EXPECT_EQ(r->event.target_pid, 12);
  EXPECT_EQ(r->event.target_is_descendant, Tri::no);
  EXPECT_EQ(r->proc->cmdline, "inject 12");
  ASSERT_EQ(r->ancestors.size(), 1u);
  EXPECT_EQ(r->ancestors[0].comm, "bash");
  EXPECT_EQ(r->target->exepath, "/usr/sbin/sshd");
}

}  // namespace
}  // namespace th
