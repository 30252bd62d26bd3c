// The static analysis behind the rule index and the probe's prefilter: which event types, ptrace
// requests and open modes a condition could match. It must never exclude something the
// condition could match (checked against evaluation), and should exclude what it cannot.
#include <gtest/gtest.h>

#include "compile_helper.h"
#include "engine/core/ptrace_request.h"
#include "engine/eval/analysis.h"
#include "test_event.h"

namespace th {
namespace {

ConditionReach reach(const char* text) {
  auto c = testing::compile(text);
  EXPECT_TRUE(c.pred) << text << "\n" << format_diagnostics_text(c.diags);
  return c.pred ? analyze_condition(*c.pred) : ConditionReach{};
}

std::vector<std::string> type_names(EvtTypeSet s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    if (s.contains(static_cast<EvtType>(i))) out.emplace_back(kEvtTypeNames[i]);
  return out;
}

TEST(Analysis, EventTypes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(type_names(reach("evt.type = ptrace").types), V{"ptrace"});
  EXPECT_EQ(type_names(reach("evt.type in (execve, execveat) and proc.name = x").types),
            (V{"execve", "execveat"}));
  EXPECT_EQ(type_names(reach("ptrace.request = PTRACE_ATTACH").types), V{"ptrace"});
  EXPECT_EQ(type_names(reach("evt.is_open_write = true").types), (V{"open", "openat", "openat2"}));
  EXPECT_TRUE(reach("proc.name = x").types.is_all());
  EXPECT_TRUE(reach("not evt.type = ptrace").types.contains(EvtType::execve));
  EXPECT_FALSE(reach("not evt.type = ptrace").types.contains(EvtType::ptrace));
  EXPECT_TRUE(reach("evt.type = ptrace and evt.type = execve").types.empty());
  // Transformers of known fields stay analysable.
  EXPECT_EQ(type_names(reach("toupper(evt.type) = PTRACE").types), V{"ptrace"});
}

TEST(Analysis, PtraceRequests) {
  auto r = reach("evt.type = ptrace and ptrace.request in (PTRACE_POKETEXT, PTRACE_SEIZE)");
  EXPECT_TRUE(r.interest.wants_ptrace(4));
  EXPECT_TRUE(r.interest.wants_ptrace(0x4206));
  EXPECT_FALSE(r.interest.wants_ptrace(24));  // PTRACE_SYSCALL: strace must not flood
  EXPECT_FALSE(r.interest.wants_ptrace(0x420e));
  EXPECT_FALSE(r.interest.ptrace_other);

  // Falco's string form, with contains.
  auto f = reach("evt.type = ptrace and (evt.arg.request contains PTRACE_POKE or "
                 "evt.arg.request contains PTRACE_ATTACH)");
  EXPECT_TRUE(f.interest.wants_ptrace(4));
  EXPECT_TRUE(f.interest.wants_ptrace(5));
  EXPECT_TRUE(f.interest.wants_ptrace(6));
  EXPECT_TRUE(f.interest.wants_ptrace(16));
  EXPECT_FALSE(f.interest.wants_ptrace(24));

  // A condition on other fields cannot narrow the requests.
  auto any = reach("evt.type = ptrace and proc.name = gdb");
  EXPECT_TRUE(any.interest.wants_ptrace(24));
  EXPECT_TRUE(any.interest.ptrace_other);

  // Negation keeps everything but the excluded request.
  auto neg = reach("evt.type = ptrace and not ptrace.request = PTRACE_SYSCALL");
  EXPECT_FALSE(neg.interest.wants_ptrace(24));
  EXPECT_TRUE(neg.interest.wants_ptrace(16));
  EXPECT_TRUE(neg.interest.ptrace_other);
}

TEST(Analysis, OpenModes) {
  auto w = reach("evt.type in (open, openat, openat2) and evt.is_open_write = true");
  EXPECT_TRUE(w.interest.mem_open_write);
  EXPECT_FALSE(w.interest.mem_open_read);
  auto r = reach("evt.type = openat and evt.is_open_read = true and evt.is_open_write = false");
  EXPECT_FALSE(r.interest.mem_open_write);
  EXPECT_TRUE(r.interest.mem_open_read);
  auto both = reach("evt.type = openat and fd.name startswith /proc/");
  EXPECT_TRUE(both.interest.mem_open_write);
  EXPECT_TRUE(both.interest.mem_open_read);
}

// Soundness: for every request, whenever the condition matches a real event, the analysis
// said the request was possible.
TEST(Analysis, NeverExcludesWhatCouldMatch) {
  const char* conds[] = {
      "evt.type = ptrace and ptrace.request in (PTRACE_POKETEXT, PTRACE_POKEDATA)",
      "evt.type = ptrace and not evt.arg.request contains PEEK and proc.name = inject",
      "ptrace.request >= 16 and ptrace.request < 18",
      "evt.type = ptrace and (target.is_descendant = false or ptrace.request = 0)",
  };
  for (const char* text : conds) {
    auto c = testing::compile(text);
    ASSERT_TRUE(c.pred) << text;
    auto r = analyze_condition(*c.pred);
    testing::World w;
    Scratch s;
    for (const auto& req : ptrace_requests()) {
      Event e = w.ptrace(req.value);
      if (c.pred->eval(e, s)) {
        EXPECT_TRUE(r.interest.wants_ptrace(req.value)) << text << " " << req.name;
      }
    }
  }
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// Specialising a condition for an event type must not change its outcome on events of that type.
TEST(Specialize, KeepsTheOutcomeForEventsOfThatType) {
  const char* conds[] = {
      "evt.type = ptrace and ptrace.request in (PTRACE_POKETEXT, PTRACE_ATTACH)",
      "evt.type in (ptrace, execve) and (proc.name = inject or proc.is_exe_from_memfd = true)",
      "not evt.type = execve and not target.is_descendant = true",
      "(evt.type = openat and evt.is_open_write = true) or (evt.type = ptrace and "
      "target.pid exists)",
      "proc.name exists and not ptrace.request = PTRACE_SYSCALL",
  };
  testing::World w;
  std::vector<Event> events;
  for (int64_t req : {0, 4, 16, 24, 0x4206}) events.push_back(w.ptrace(req));
  events.push_back(w.ptrace(16, 200, 250));
  events.push_back(w.exec(250, "memfd:x", true));
  events.push_back(w.open_mem(200, 300, 2));
  events.push_back(w.open_mem(200, 300, 0));
  for (const char* text : conds) {
    auto c = testing::compile(text);
    ASSERT_TRUE(c.pred) << text;
    Scratch s;
    for (const Event& e : events) {
      Event probe;
      probe.type = e.type;
      PredicatePtr sp = c.pred->specialize(c.pred, probe, s, kDimType);
      s.reset();
      bool a = c.pred->eval(e, s);
      s.reset();
      bool b = sp->eval(e, s);
      EXPECT_EQ(a, b) << text << " on " << evt_type_name(e.type);
    }
  }
  // The evt.type check disappears: the specialised tree for ptrace is the request check alone.
  auto c = testing::compile("evt.type = ptrace and proc.name = inject");
  Event probe;
  probe.type = EvtType::ptrace;
  Scratch s;
  PredicatePtr sp = c.pred->specialize(c.pred, probe, s, kDimType);
  EXPECT_EQ(dynamic_cast<const AndNode*>(sp.get()), nullptr);
  EXPECT_NE(dynamic_cast<const CheckNode*>(sp.get()), nullptr);
}

}  // namespace
}  // namespace th
