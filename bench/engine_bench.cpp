// Rule-engine throughput: events per second through the default ruleset and through 1,000
// rules on a ptrace-heavy event mix, the full detector pipeline, the time to compile 1,000
// rules, and how the cost per event grows with generated ptrace-style rule sets of 1, 50 and
// 1,000 rules on a W1-like mix (strace -f ls -R). Items per second are events. Figures and
// commands: bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <random>
#include <sstream>

#include "bench/ptrace_rules.h"
#include "engine/detect/detector.h"
#include "engine/rules/loader.h"

namespace th {
namespace {

Process proc(int32_t pid, int32_t ppid, std::string comm, std::string exe) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.vpid = pid;
  p.comm = std::move(comm);
  p.exepath = std::move(exe);
  p.argv = {p.exepath};
  p.container_id = "host";
  p.refresh_cmdline();
  return p;
}

// A host with a shell, a debugger, an injector, services and their children.
void populate(ProcessTable& t) {
  t.upsert(proc(1, 0, "systemd", "/usr/lib/systemd/systemd"));
  t.upsert(proc(500, 1, "sshd", "/usr/sbin/sshd"));
  t.upsert(proc(600, 500, "bash", "/usr/bin/bash"));
  t.upsert(proc(700, 600, "gdb", "/usr/bin/gdb"));
  t.upsert(proc(701, 600, "strace", "/usr/bin/strace"));
  t.upsert(proc(702, 701, "make", "/usr/bin/make"));
  t.upsert(proc(800, 600, "inject", "/tmp/.x/inject"));
  t.upsert(proc(900, 1, "nginx", "/usr/sbin/nginx"));
  t.upsert(proc(901, 900, "nginx", "/usr/sbin/nginx"));
  // W1: strace -f -o /dev/null ls -R /usr, from the shell.
  t.upsert(proc(710, 600, "strace", "/usr/bin/strace"));
  t.upsert(proc(711, 710, "ls", "/usr/bin/ls"));
}

// The mix: ptrace calls of a debugger, a tracer of its own child and an injector (after the
// in-kernel prefilter most of what reaches user space is ptrace), plus process_vm_*, memory-file
// opens and the fork/exec/exit that keep the table current.
std::vector<Event> event_mix(ProcessTable& table, std::size_t n) {
  struct Spec {
    EvtType type;
    int32_t actor;
    int32_t target;
    int64_t request;
  };
  const Spec specs[] = {
      {EvtType::ptrace, 700, 901, 16},     {EvtType::ptrace, 700, 901, 12},
      {EvtType::ptrace, 700, 901, 3},      {EvtType::ptrace, 700, 901, 0x4204},
      {EvtType::ptrace, 700, 901, 17},     {EvtType::ptrace, 701, 702, 0x4206},
      {EvtType::ptrace, 701, 702, 0x4207}, {EvtType::ptrace, 701, 702, 0x4208},
      {EvtType::ptrace, 800, 900, 16},     {EvtType::ptrace, 800, 900, 4},
      {EvtType::ptrace, 800, 900, 13},     {EvtType::ptrace, 800, 900, 7},
      {EvtType::process_vm_readv, 701, 702, -1},
      {EvtType::process_vm_writev, 800, 900, -1},
      {EvtType::openat, 700, 901, -1},     {EvtType::execve, 702, 0, -1},
      {EvtType::clone, 600, 0, -1},        {EvtType::procexit, 702, 0, -1},
  };
  std::mt19937 rng(42);
  std::vector<Event> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Two thirds ptrace, the rest spread over the other kinds.
    const Spec& s = (rng() % 3 != 0) ? specs[rng() % 12] : specs[12 + rng() % 6];
    Event e;
    e.type = s.type;
    e.ts_ns = 1767225600000000000ull + i * 1000;
    e.actor.pid = e.actor.tid = s.actor;
    e.actor.comm = table.find(s.actor)->comm;
    e.actor.ppid = table.find(s.actor)->ppid;
    e.request = s.request;
    e.target_pid = e.target_arg_pid = e.target_tid = s.target;
    e.bytes = 4096;
    e.open_flags = 2;
    e.path = "/proc/" + std::to_string(s.target) + "/task/" + std::to_string(s.target) + "/mem";
    e.exepath = "/usr/bin/cc";
    e.argv = {"cc", "-c", "x.c"};
    e.child_pid = e.child_tid = 703;
    e.table = &table;
    e.proc = table.find(s.actor);
    e.target = s.target ? table.find(s.target) : nullptr;
    // Live events carry the kernel's answer (engine/core/event.h), as these do.
    if (s.target)
      e.target_is_descendant = table.is_ancestor(s.actor, s.target) ? Tri::yes : Tri::no;
    out.push_back(std::move(e));
  }
  return out;
}

std::shared_ptr<const Ruleset> load_or_die(benchmark::State& state, LoadResult r) {
  if (!r.ruleset) state.SkipWithError(format_diagnostics_text(r.diags).c_str());
  return r.ruleset;
}

void run_rules(benchmark::State& state, const Ruleset& rules) {
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  populate(table);
  auto events = event_mix(table, 4096);
  Scratch scratch;
  uint64_t matches = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const Event& e = events[i++ & 4095];
    rules.match(e, scratch, [&](const CompiledRule&) { ++matches; });
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
  state.counters["rules"] = static_cast<double>(rules.rules().size());
  state.counters["match_rate"] =
      benchmark::Counter(static_cast<double>(matches) / static_cast<double>(state.iterations()));
}

// The W1-like mix (arg 0) as the probe delivers it when every request is wanted: a tracer on its
// own child, mostly PTRACE_SYSCALL and GET_SYSCALL_INFO at every stop, some register and memory
// reads, process_vm_readv, and the tracee's forks, execs and exits. Mix 1 is an injector making
// the requests the generated rules pin (ATTACH, POKETEXT, POKEDATA, SETREGS, PEEKTEXT), so that
// the rules get past the request level and only the process-field level can set them aside.
std::vector<Event> ptrace_mix(ProcessTable& table, int mix, std::size_t n) {
  struct Spec {
    unsigned weight;
    EvtType type;
    int64_t request;
  };
  static const std::vector<Spec> kW1 = {
      {46, EvtType::ptrace, 24},          {30, EvtType::ptrace, 0x420e},
      {4, EvtType::ptrace, 12},           {4, EvtType::ptrace, 2},
      {2, EvtType::ptrace, 0x4201},       {1, EvtType::ptrace, 0x4200},
      {1, EvtType::ptrace, 0x4208},       {1, EvtType::ptrace, 0x4207},
      {1, EvtType::ptrace, 0x4204},       {4, EvtType::process_vm_readv, -1},
      {2, EvtType::clone, -1},            {2, EvtType::execve, -1},
      {2, EvtType::procexit, -1},
  };
  static const std::vector<Spec> kInjector = {
      {10, EvtType::ptrace, 16}, {40, EvtType::ptrace, 4}, {30, EvtType::ptrace, 5},
      {10, EvtType::ptrace, 13}, {10, EvtType::ptrace, 1},
  };
  const auto& specs = mix == 0 ? kW1 : kInjector;
  unsigned total = 0;
  for (const Spec& s : specs) total += s.weight;
  std::mt19937 rng(7);
  std::vector<Event> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned pick = rng() % total;
    const Spec* s = &specs[0];
    for (const Spec& c : specs) {
      s = &c;
      if (pick < c.weight) break;
      pick -= c.weight;
    }
    const bool tracer = s->type == EvtType::ptrace || s->type == EvtType::process_vm_readv;
    const int32_t actor = mix == 1 ? 800 : tracer ? 710 : 711;
    Event e;
    e.type = s->type;
    e.ts_ns = 1767225600000000000ull + i * 1000;
    e.actor.pid = e.actor.tid = actor;
    e.actor.comm = table.find(actor)->comm;
    e.actor.ppid = table.find(actor)->ppid;
    e.request = s->request;
    if (tracer) e.target_pid = e.target_arg_pid = e.target_tid = mix == 1 ? 900 : 711;
    e.bytes = 64;
    e.exepath = "/usr/bin/ls";
    e.argv = {"ls", "-R", "/usr"};
    e.child_pid = e.child_tid = 712;
    e.table = &table;
    e.proc = table.find(actor);
    e.target = e.target_pid ? table.find(e.target_pid) : nullptr;
    if (e.target_pid)
      e.target_is_descendant = table.is_ancestor(actor, e.target_pid) ? Tri::yes : Tri::no;
    out.push_back(std::move(e));
  }
  return out;
}

void BM_EvaluateDefaultRuleset(benchmark::State& state) {
  auto rules = load_or_die(state, load_rules({std::string(TH_SOURCE_DIR) + "/rules"}));
  if (rules) run_rules(state, *rules);
}
BENCHMARK(BM_EvaluateDefaultRuleset);

// 1,000 rules of the shapes the default ones have (lists of exe paths, request sets, ancestry,
// negations), spread over every event type.
std::string thousand_rules() {
  static const char* kTypes[] = {"ptrace", "process_vm_writev", "process_vm_readv", "openat",
                                 "execve", "clone", "procexit"};
  std::ostringstream y;
  y << "- list: bench_debuggers\n  items: [/usr/bin/gdb, /usr/bin/strace, /usr/bin/lldb, "
       "/usr/bin/ltrace]\n";
  for (int i = 0; i < 1000; ++i) {
    const char* t = kTypes[i % 7];
    y << "- rule: bench rule " << i << "\n  desc: generated\n  priority: WARNING\n"
      << "  output: \"r" << i << " %proc.name %target.pid\"\n  condition: >\n    evt.type = " << t;
    switch (i % 5) {
      case 0: y << " and proc.name = tool" << i; break;
      case 1: y << " and not proc.exepath in (bench_debuggers) and proc.aname[2] = svc" << i; break;
      case 2: y << " and proc.cmdline contains \"--flag" << i << "\""; break;
      case 3: y << " and user.uid = " << (1000 + i) << " and proc.pname startswith p" << i; break;
      case 4: y << " and proc.exepath glob '/opt/app" << i << "/*'"; break;
    }
    if (std::string(t) == "ptrace") y << " and ptrace.request in (PTRACE_POKETEXT, PTRACE_ATTACH)";
    y << "\n";
  }
  return y.str();
}

void BM_Evaluate1000Rules(benchmark::State& state) {
  auto rules = load_or_die(state, load_rules_from_strings({{"bench.yaml", thousand_rules()}}));
  if (rules) run_rules(state, *rules);
}
BENCHMARK(BM_Evaluate1000Rules);

void BM_Compile1000Rules(benchmark::State& state) {
  const std::string yaml = thousand_rules();
  for (auto _ : state) {
    auto r = load_rules_from_strings({{"bench.yaml", yaml}});
    if (!r.ruleset) state.SkipWithError("compile failed");
    benchmark::DoNotOptimize(r.ruleset);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetLabel("items are rules");
}
BENCHMARK(BM_Compile1000Rules)->Unit(benchmark::kMillisecond);

// One event through the rules, out of line so that callgrind can count its instructions alone
// (--toggle-collect='*match_indexed*', bench/RESULTS.md).
[[gnu::noinline]] uint64_t match_indexed(const Ruleset& rules, const Event& e, Scratch& s) {
  uint64_t n = 0;
  rules.match(e, s, [&](const CompiledRule&) { ++n; });
  return n;
}

// The same as Ruleset::match did before the index below the type: every rule of the event's type,
// its condition specialised for the type only. The A/B reference.
[[gnu::noinline]] uint64_t match_by_type_only(const Ruleset& rules, const Event& e, Scratch& s) {
  uint64_t n = 0;
  s.begin_event(rules.memo_slots());
  for (const Ruleset::Indexed& r : rules.rules_for(e.type)) {
    s.reset();
    if (r.condition->eval(e, s)) ++n;
  }
  return n;
}

// Cost per event of the generated ptrace-style rule sets (bench/ptrace_rules.h) through `match`
// (match_indexed or match_by_type_only): args are the number of rules and the mix (0: W1-like,
// 1: an injector making the pinned requests).
void ptrace_rules_bench(benchmark::State& state,
                        uint64_t (*match)(const Ruleset&, const Event&, Scratch&)) {
  auto rules = load_or_die(state, load_rules_from_strings(
                                      {{"bench.yaml", bench::ptrace_rules(int(state.range(0)))}}));
  if (!rules) return;
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  populate(table);
  auto events = ptrace_mix(table, int(state.range(1)), 4096);
  Scratch scratch;
  uint64_t matches = 0;
  std::size_t i = 0;
  for (auto _ : state) matches += match(*rules, events[i++ & 4095], scratch);
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
  state.counters["matches"] = static_cast<double>(matches);
}

void BM_PtraceRules(benchmark::State& state) { ptrace_rules_bench(state, match_indexed); }
BENCHMARK(BM_PtraceRules)->ArgsProduct({{1, 50, 1000}, {0, 1}});

// The same events evaluated without the index below the type.
void BM_PtraceRulesByTypeOnly(benchmark::State& state) {
  ptrace_rules_bench(state, match_by_type_only);
}
BENCHMARK(BM_PtraceRulesByTypeOnly)->ArgsProduct({{1, 50, 1000}, {0, 1}});

void BM_CompilePtraceRules(benchmark::State& state) {
  const std::string yaml = bench::ptrace_rules(int(state.range(0)));
  for (auto _ : state) {
    auto r = load_rules_from_strings({{"bench.yaml", yaml}});
    if (!r.ruleset) state.SkipWithError("compile failed");
    benchmark::DoNotOptimize(r.ruleset);
  }
  state.SetLabel("one compile of the whole set");
}
BENCHMARK(BM_CompilePtraceRules)->Arg(50)->Arg(1000)->Unit(benchmark::kMillisecond);

class CountingSink : public AlertSink {
 public:
  void emit(const Alert&) override { ++n; }
  uint64_t n = 0;
};

// The whole pipeline per event: enrichment from the table, table updates, rules, folding, alert
// rendering for the matches.
void BM_DetectorDefaultRuleset(benchmark::State& state) {
  auto rules = load_or_die(state, load_rules({std::string(TH_SOURCE_DIR) + "/rules"}));
  if (!rules) return;
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  populate(table);
  auto events = event_mix(table, 4096);
  CountingSink sink;
  DetectorOptions opts;
  opts.hostname = "bench";
  Detector det(rules, table, sink, opts);
  std::size_t i = 0;
  for (auto _ : state) {
    Event e = events[i++ & 4095];
    det.process(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["alerts"] = static_cast<double>(sink.n);
}
BENCHMARK(BM_DetectorDefaultRuleset);

// The whole pipeline on the W1-like mix with the generated rule sets (arg: number of rules): what
// the live detector spends per event when every request passes the in-kernel filter.
void BM_DetectorPtraceRules(benchmark::State& state) {
  auto rules = load_or_die(state, load_rules_from_strings(
                                      {{"bench.yaml", bench::ptrace_rules(int(state.range(0)))}}));
  if (!rules) return;
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  populate(table);
  auto events = ptrace_mix(table, 0, 4096);
  CountingSink sink;
  DetectorOptions opts;
  opts.hostname = "bench";
  Detector det(rules, table, sink, opts);
  std::size_t i = 0;
  for (auto _ : state) {
    Event e = events[i++ & 4095];
    det.process(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["alerts"] = static_cast<double>(sink.n);
}
BENCHMARK(BM_DetectorPtraceRules)->Arg(1)->Arg(50)->Arg(1000);

// An alert flood through the whole pipeline: an unprivileged user executing programs from a
// memfd 2,000 times a second (the fileless-execution rule does not fold). Arg 0: no rate limit,
// every exec is rendered; arg 1: `run`'s default rate limit, where held-back execs are counted
// and not rendered.
void BM_DetectorMemfdFlood(benchmark::State& state) {
  auto rules = load_or_die(state, load_rules({std::string(TH_SOURCE_DIR) + "/rules"}));
  if (!rules) return;
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  populate(table);
  CountingSink sink;
  DetectorOptions opts;
  opts.hostname = "bench";
  opts.rate_limit.enabled = state.range(0) != 0;
  Detector det(rules, table, sink, opts);
  Event exec;
  exec.type = EvtType::execve;
  exec.actor.uid = 65534;
  exec.actor.ppid = 600;
  exec.exepath = "/memfd:loop (deleted)";
  exec.argv = {"loop", "x1", "x2"};
  exec.exe_from_memfd = true;
  uint64_t n = 0;
  for (auto _ : state) {
    Event e = exec;
    e.actor.pid = e.actor.tid = e.actor.vpid = 20000 + static_cast<int32_t>(n % 4096);
    e.ts_ns = 1767225600000000000ull + n * 500'000ull;
    ++n;
    det.process(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["alerts"] = static_cast<double>(sink.n);
}
BENCHMARK(BM_DetectorMemfdFlood)->Arg(0)->Arg(1);

}  // namespace
}  // namespace th
