// The index below the event type (engine/eval/rule_index.h) must never change a verdict: for
// every condition shape and every event of a grid (names, exe paths, parents, requests, types),
// the rules Ruleset::match reports are exactly those whose whole condition is true, in order.
#include <gtest/gtest.h>

#include <sstream>

#include "../eval/test_event.h"
#include "engine/rules/loader.h"

namespace th {
namespace {

using testing::make_proc;
using testing::World;

// Each condition becomes one rule. Shapes: pins by =, in, startswith, endswith, contains
// (one-byte and longer), glob, pmatch; negations; `or` of pinned and unpinned operands; macros
// shared by several rules; exceptions; request checks mixed with field pins; multi-valued fields;
// operators and fields that cannot be pinned.
const char* kConditions[] = {
    "evt.type = ptrace and proc.name = gdb",
    "evt.type = ptrace and proc.name in (gdb, strace) and ptrace.request = PTRACE_POKETEXT",
    "evt.type = ptrace and not proc.name = gdb",
    "evt.type = ptrace and (proc.name = gdb or proc.exepath startswith /tmp/)",
    "evt.type = ptrace and (proc.name = gdb or not proc.exepath startswith /tmp/)",
    "evt.type in (ptrace, execve) and proc.exepath endswith /strace",
    "evt.type = ptrace and proc.pname contains ash",
    "proc.name contains t",
    "proc.name contains \"\"",
    "proc.name startswith \"\" and evt.type = execve",
    "proc.name = \"\"",
    "evt.type = ptrace and evt.arg.request contains PTRACE_POKE and proc.exepath contains tmp",
    "evt.type = ptrace and (ptrace.request = PTRACE_ATTACH or proc.name = strace)",
    "evt.type = ptrace and ptrace.request > 0x4300 and proc.name = gdb",
    "evt.type = ptrace and ptrace.request in (PTRACE_SYSCALL, PTRACE_SEIZE) and proc.pname = bash",
    "is_debugger and evt.type = ptrace",
    "evt.type = execve and is_debugger",
    "is_debugger or proc.name endswith ect",
    "not is_debugger and evt.type = ptrace",
    "proc.exepath glob '/usr/*/strace'",
    "proc.exepath glob /tmp/inject",
    "proc.exepath glob '*inject'",
    "proc.exepath pmatch (/usr/bin, /tmp)",
    "proc.aname = bash",
    "proc.aname[2] = systemd and evt.type = ptrace",
    "proc.name != gdb and evt.type = ptrace",
    "proc.name icontains GDB",
    "tolower(proc.name) = gdb",
    "proc.name = gdb and proc.exepath = /usr/bin/gdb",
    "proc.name in (gdb) and proc.name in (strace)",
    "evt.type = openat and fd.name contains /mem and proc.name startswith g",
    "evt.type = openat and evt.is_open_write = true and not proc.name in (gdb)",
    "proc.pname in (bash, gdb) and proc.name endswith ace",
    "target.name = victim-service and proc.name startswith in",
    "proc.name = gdb or proc.name = strace or proc.name startswith inj",
    "evt.type = ptrace and proc.exepath startswith /usr/bin",
};

std::string rules_yaml() {
  std::ostringstream y;
  y << "- macro: is_debugger\n  condition: proc.name in (gdb, strace, lldb)\n";
  int i = 0;
  for (const char* c : kConditions) {
    y << "- rule: r" << i++ << "\n  desc: d\n  priority: WARNING\n  output: o\n"
      << "  condition: " << c << "\n";
  }
  // Exceptions are compiled into the condition as `and not (...)`.
  y << "- rule: with exceptions\n  desc: d\n  priority: WARNING\n  output: o\n"
    << "  condition: evt.type = ptrace and proc.exepath startswith /usr/\n"
    << "  exceptions:\n    - name: known\n      fields: [proc.name, proc.pname]\n"
    << "      values:\n        - [gdb, bash]\n";
  y << "- rule: pinned with exceptions\n  desc: d\n  priority: WARNING\n  output: o\n"
    << "  condition: evt.type = ptrace and proc.name in (gdb, strace)\n"
    << "  exceptions:\n    - name: known\n      fields: [proc.exepath]\n      comps: [startswith]\n"
    << "      values: [[/usr/]]\n";
  return y.str();
}

using Names = std::vector<std::string>;

Names indexed(const Ruleset& rs, const Event& e) {
  Names out;
  Scratch s;
  rs.match(e, s, [&](const CompiledRule& r) { out.push_back(r.name); });
  return out;
}

// Every rule's whole, unspecialised condition, without any index.
Names exhaustive(const Ruleset& rs, const Event& e) {
  Names out;
  Scratch s;
  s.begin_event(rs.memo_slots());
  for (const CompiledRule& r : rs.rules()) {
    s.reset();
    if (r.types.contains(e.type) && r.condition->eval(e, s)) out.push_back(r.name);
  }
  return out;
}

TEST(RuleIndex, NeverChangesAVerdict) {
  auto r = load_rules_from_strings({{"index.yaml", rules_yaml()}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  const Ruleset& rs = *r.ruleset;

  World w;
  // Actors under two parents, with names and exe paths that hit and miss the pins.
  struct Actor { const char* comm; const char* exe; int32_t ppid; };
  const Actor actors[] = {
      {"gdb", "/usr/bin/gdb", 100},       {"strace", "/usr/bin/strace", 100},
      {"strace", "/opt/x/strace", 200},   {"inject", "/tmp/inject", 100},
      {"lldb", "/usr/local/bin/lldb", 1}, {"t", "/t", 250},
      {"", "", 100},                      {"GDB", "/usr/sbin/gdbserver", 300},
      {"object", "/tmp/sub/object", 200}, {"ace", "/usr/binx/ace", 1},
  };
  const int64_t requests[] = {0, 4, 5, 16, 17, 24, 0x4206, 0x4208, 0x420e, 0x4301, 99999, -1};
  int32_t pid = 1000;
  std::size_t events = 0, matches = 0;
  for (const Actor& a : actors) {
    w.table.upsert(make_proc(pid, a.ppid, a.comm, a.exe, {a.exe}));
    std::vector<Event> evs;
    for (int64_t req : requests) evs.push_back(w.ptrace(req, pid, 300));
    evs.push_back(w.open_mem(pid, 300, 1));
    evs.push_back(w.open_mem(pid, 300, 0));
    evs.push_back(w.exec(pid, a.exe));
    for (const Event& e : evs) {
      Names want = exhaustive(rs, e);
      EXPECT_EQ(indexed(rs, e), want)
          << "actor " << a.comm << " (" << a.exe << "), type " << static_cast<int>(e.type)
          << ", request " << e.request;
      ++events;
      matches += want.size();
    }
    ++pid;
  }
  // The grid is not vacuous: many events match, and many match nothing.
  EXPECT_GT(matches, events);
}

TEST(RuleIndex, PinnedRulesAreNotRunForOtherValues) {
  auto r = load_rules_from_strings({{"pins.yaml", R"Y(
- rule: by name
  desc: d
  priority: WARNING
  output: o
  condition: evt.type = ptrace and proc.name = gdb
- rule: by request
  desc: d
  priority: WARNING
  output: o
  condition: evt.type = ptrace and ptrace.request = PTRACE_POKETEXT and not proc.name = gdb
- rule: agnostic
  desc: d
  priority: WARNING
  output: o
  condition: evt.type = ptrace and not proc.name = strace
)Y"}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  const TypeRuleIndex& idx = r.ruleset->index_for(EvtType::ptrace);
  World w;
  EXPECT_EQ(idx.indexed_fields(w.ptrace(24)), 1u);  // proc.name, for the rule on every request
  EXPECT_EQ(idx.unpinned(w.ptrace(24)), 1u);
  EXPECT_EQ(idx.unpinned(w.ptrace(4)), 2u);
  auto run = [&](const Event& e) {
    std::vector<uint32_t> ids;
    Scratch s;
    s.begin_event(r.ruleset->memo_slots());
    idx.for_candidates(e, s, [&](uint32_t id, const Predicate&) { ids.push_back(id); });
    return ids;
  };
  // inject (pid 200) with PTRACE_SYSCALL: only the unpinned rule the request allows.
  EXPECT_EQ(run(w.ptrace(24)), (std::vector<uint32_t>{2}));
  EXPECT_EQ(run(w.ptrace(4)), (std::vector<uint32_t>{1, 2}));
  w.table.upsert(make_proc(400, 100, "gdb", "/usr/bin/gdb", {"gdb"}));
  EXPECT_EQ(run(w.ptrace(24, 400)), (std::vector<uint32_t>{0, 2}));
}

}  // namespace
}  // namespace th
