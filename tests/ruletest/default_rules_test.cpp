// The default ruleset (rules/*.yaml): loads cleanly, keeps strace out of the probe's filter,
// documents every rule, has tests that make every rule fire, can be extended with
// `override: append`, and raises fewer false positives than Falco's ptrace rules.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "engine/core/ptrace_request.h"
#include "engine/rules/loader.h"
#include "engine/ruletest/runner.h"

namespace th::ruletest {
namespace {
namespace fs = std::filesystem;

const std::string kRules = std::string(TH_SOURCE_DIR) + "/rules";
const std::string kFalco = std::string(TH_TEST_DATA_DIR) + "/falco/falco_ptrace_rules.yaml";

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const Ruleset> load_default(const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : files_in(kRules)) files.emplace_back(f, read(f));
  files.insert(files.end(), extra.begin(), extra.end());
  LoadResult r = load_rules_from_strings(files);
  EXPECT_TRUE(r.diags.empty()) << format_diagnostics_text(r.diags);
  return r.ruleset;
}

// Every rule item of the default files, as written.
std::vector<YAML::Node> rule_items() {
  std::vector<YAML::Node> out;
  for (const auto& f : files_in(kRules))
    for (const auto& item : YAML::LoadFile(f))
      if (item["rule"]) out.push_back(item);
  return out;
}

TEST(DefaultRules, LoadWithoutErrorsOrWarnings) {
  LoadResult r = load_rules({kRules});
  EXPECT_TRUE(r.diags.empty()) << format_diagnostics_text(r.diags);
  ASSERT_TRUE(r.ruleset);
  EXPECT_GE(r.ruleset->rules().size(), 10u);
}

// The issue's priorities, rule by rule: a change here is a change of policy.
TEST(DefaultRules, HaveThePrioritiesOfThePolicy) {
  const std::map<std::string, Priority> expected = {
      {"Process injection across container boundary", Priority::alert},
      {"Process injection into sensitive process", Priority::alert},
      {"Ptrace write into non-descendant process", Priority::critical},
      {"Debugger wrote into non-descendant process", Priority::warning},
      {"Process memory written with process_vm_writev", Priority::critical},
      {"Memory file of another process written", Priority::critical},
      {"Debugger wrote memory file of another process", Priority::warning},
      {"Memory file of another process opened for writing", Priority::warning},
      {"Debugger opened memory file of another process", Priority::informational},
      {"Memory file of sensitive process opened for reading", Priority::warning},
      {"Memory file of descendant process written", Priority::error},
      {"Memory file of descendant process opened for writing", Priority::notice},
      {"Memory file descriptor taken from another process", Priority::error},
      {"Debugger took memory file descriptor from another process", Priority::informational},
      {"Ptrace attach to non-descendant process by unknown binary", Priority::error},
      {"Debugger attached to non-descendant process", Priority::notice},
      {"Anti-debugging with PTRACE_TRACEME", Priority::notice},
      {"Fileless execution from memfd", Priority::critical},
  };
  auto rules = load_default();
  ASSERT_TRUE(rules);
  std::set<std::string> seen;
  for (const auto& r : rules->rules()) {
    seen.insert(r.name);
    auto it = expected.find(r.name);
    ASSERT_NE(it, expected.end()) << "new rule without a policy entry here: " << r.name;
    EXPECT_EQ(r.priority, it->second) << r.name;
  }
  EXPECT_EQ(seen.size(), expected.size());
}

// The probe's in-kernel filter comes from the rules: requests that a tracer issues on every stop
// must not be in it, or `strace` floods the ring buffer.
TEST(DefaultRules, KeepTracersPerStopRequestsOutOfTheProbeFilter) {
  auto rules = load_default();
  ASSERT_TRUE(rules);
  const Interest& in = rules->interest();
  for (const char* quiet :
       {"PTRACE_SYSCALL", "PTRACE_GET_SYSCALL_INFO", "PTRACE_CONT", "PTRACE_PEEKTEXT",
        "PTRACE_PEEKDATA", "PTRACE_PEEKUSR", "PTRACE_GETREGS", "PTRACE_GETREGSET",
        "PTRACE_GETFPREGS", "PTRACE_INTERRUPT", "PTRACE_LISTEN", "PTRACE_GETEVENTMSG",
        "PTRACE_GETSIGINFO", "PTRACE_SETOPTIONS", "PTRACE_SINGLESTEP", "PTRACE_SYSEMU",
        "PTRACE_PEEKSIGINFO"})
    EXPECT_FALSE(in.wants_ptrace(*ptrace_request_from_name(quiet))) << quiet;
  EXPECT_FALSE(in.ptrace_other);
  EXPECT_FALSE(in.types.contains(EvtType::process_vm_readv)) << "strace reads with it per stop";
  for (const char* wanted :
       {"PTRACE_POKETEXT", "PTRACE_POKEDATA", "PTRACE_POKEUSR", "PTRACE_SETREGS",
        "PTRACE_SETFPREGS", "PTRACE_SETFPXREGS", "PTRACE_SETREGSET", "PTRACE_SET_THREAD_AREA",
        "PTRACE_SET_SYSCALL_INFO", "PTRACE_ARCH_PRCTL", "PTRACE_ATTACH", "PTRACE_SEIZE",
        "PTRACE_TRACEME"})
    EXPECT_TRUE(in.wants_ptrace(*ptrace_request_from_name(wanted))) << wanted;
  EXPECT_TRUE(in.types.contains(EvtType::process_vm_writev));
  EXPECT_TRUE(in.mem_open_write);
  // Writes into memory files are wanted through every write call, so the kernel reports them.
  for (EvtType t : {EvtType::write, EvtType::pwrite, EvtType::writev, EvtType::pwritev,
                    EvtType::pwritev2})
    EXPECT_TRUE(in.types.contains(t)) << evt_type_name(t);
  EXPECT_TRUE(in.types.contains(EvtType::pidfd_getfd)) << "descriptors taken from other processes";
}

TEST(DefaultRules, AreDocumentedAndTagged) {
  const std::regex technique("T[0-9]{4}(\\.[0-9]{3})?");
  auto items = rule_items();
  ASSERT_FALSE(items.empty());
  for (const auto& r : items) {
    std::string name = r["rule"].as<std::string>();
    EXPECT_GE(r["desc"].as<std::string>("").size(), 80u) << name << ": desc too short to explain";
    int techniques = 0, maturity = 0;
    for (const auto& t : r["tags"]) {
      std::string tag = t.as<std::string>();
      techniques += std::regex_match(tag, technique);
      maturity += tag.rfind("maturity_", 0) == 0;
    }
    EXPECT_GE(techniques, 1) << name << ": no MITRE technique tag";
    EXPECT_EQ(maturity, 1) << name << ": needs exactly one maturity_ tag";
  }
}

// Rules about a target name both sides: pid, exe path, command line and container of each.
TEST(DefaultRules, InjectionOutputsNameTracerAndTarget) {
  auto rules = load_default();
  ASSERT_TRUE(rules);
  std::set<std::string> targeted;
  for (const auto& r : rules->rules()) {
    bool only_targeted = !r.types.empty();
    for (std::size_t t = 0; t < kEvtTypeCount; ++t)
      if (r.types.contains(static_cast<EvtType>(t)) && !evt_has_target(static_cast<EvtType>(t)))
        only_targeted = false;
    // PTRACE_TRACEME names no target: the process asks to be traced by its parent.
    bool traceme_only = r.interest.ptrace.count() == 1 && r.interest.ptrace.test(0);
    if (only_targeted && !traceme_only) targeted.insert(r.name);
  }
  EXPECT_GE(targeted.size(), 9u);
  for (const auto& r : rule_items()) {
    std::string name = r["rule"].as<std::string>();
    if (!targeted.count(name)) continue;
    std::string out = r["output"].as<std::string>();
    for (const char* field : {"%proc.pid", "%proc.exepath", "%proc.cmdline", "%container.id",
                              "%target.pid", "%target.exepath", "%target.cmdline",
                              "%target.container.id"})
      EXPECT_NE(out.find(field), std::string::npos) << name << ": output lacks " << field;
  }
}

// Every rule has a case that makes it fire; every test file has near misses (cases where no
// rule may fire).
TEST(DefaultRules, EveryRuleHasTestsThatMakeItFireAndNearMisses) {
  auto rules = load_default();
  ASSERT_TRUE(rules);
  std::set<std::string> fired_somewhere;
  for (const auto& file : files_in(kRules + "/tests")) {
    Diagnostics d;
    TestFile f = parse_test_file(file, d);
    ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
    int near_misses = 0;
    for (const auto& c : f.cases) {
      if (c.expect.empty()) ++near_misses;
      CaseResult r = run_case(c, rules);
      EXPECT_TRUE(r.passed) << format_failure(f, c, r);
      for (const auto& [rule, o] : r.fired) fired_somewhere.insert(rule);
    }
    EXPECT_GE(near_misses, 1) << file << ": no case where nothing may fire";
  }
  for (const auto& r : rules->rules())
    EXPECT_TRUE(fired_somewhere.count(r.name)) << "no test makes this rule fire: " << r.name;
}

// Lists are extended with `override: {items: append}` in a file loaded after the defaults.
TEST(DefaultRules, ListsAreExtendedWithOverrideAppend) {
  const std::string overrides = R"(
- list: known_debugger_binaries
  items: [/opt/debuggers/bin/mydbg]
  override:
    items: append
- list: sensitive_process_binaries
  items: [/opt/vault/bin/vault]
  override:
    items: append
- list: process_vm_writev_allowed_binaries
  items: [/usr/lib64/openmpi/bin/rank]
  override:
    items: append
)";
  auto base = load_default();
  auto extended = load_default({{"site.yaml", overrides}});
  ASSERT_TRUE(base && extended);
  Diagnostics d;
  TestFile f = parse_test_yaml("t.yaml", R"(
processes:
  - {pid: 100, exepath: /opt/debuggers/bin/mydbg}
  - {pid: 101, exepath: /usr/lib64/openmpi/bin/rank}
  - {pid: 300, exepath: /usr/sbin/nginx}
  - {pid: 400, exepath: /opt/vault/bin/vault}
  - {pid: 500, exepath: /tmp/inject}
cases:
  - name: debugger
    events: [{type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}]
    expect: [{rule: Debugger wrote into non-descendant process, priority: WARNING}]
  - name: sensitive
    events: [{type: ptrace, proc: {pid: 500}, ptrace: {request: PTRACE_POKETEXT, pid: 400}}]
    expect: [{rule: Process injection into sensitive process, priority: ALERT}]
  - name: allowed writer
    events: [{type: process_vm_writev, res: 8, proc: {pid: 101}, vm: {bytes: 8, pid: 300}}]
    expect: []
)", d);
  ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  ASSERT_EQ(f.cases.size(), 3u);
  for (const auto& c : f.cases) {
    CaseResult with = run_case(c, extended);
    EXPECT_TRUE(with.passed) << format_failure(f, c, with);
    CaseResult without = run_case(c, base);
    EXPECT_FALSE(without.passed) << c.name << ": the defaults alone already give this";
  }
}

// Benign tracing that Falco's "PTRACE attached to process" reports and these rules do not.
TEST(DefaultRules, RaiseFewerFalsePositivesThanFalco) {
  LoadResult falco = load_rules({kFalco});
  ASSERT_TRUE(falco.ruleset) << format_diagnostics_text(falco.diags);
  auto ours = load_default();
  ASSERT_TRUE(ours);
  Diagnostics d;
  TestFile f = parse_test_yaml("benign.yaml", R"(
processes:
  - {pid: 50, exepath: /usr/bin/bash}
  - {pid: 200, ppid: 50, exepath: /usr/bin/strace, argv: [strace, ls]}
  - {pid: 201, ppid: 200, exepath: /usr/bin/ls, argv: [ls]}
  - {pid: 210, ppid: 50, exepath: /usr/bin/gdb, argv: [gdb, ./prog]}
  - {pid: 211, ppid: 210, exepath: /home/a/prog, argv: [./prog]}
  - {pid: 220, ppid: 50, exepath: /usr/local/bin/test-harness}
  - {pid: 221, ppid: 220, exepath: /usr/local/bin/test-child}
  - {pid: 300, ppid: 1, exepath: /usr/sbin/nginx}
cases:
  - name: strace PROG
    exact: false
    events: [{type: ptrace, proc: {pid: 200}, ptrace: {request: PTRACE_SEIZE, pid: 201}}]
    expect: []
  - name: gdb PROG sets a breakpoint
    exact: false
    events: [{type: ptrace, proc: {pid: 210}, ptrace: {request: PTRACE_POKETEXT, pid: 211}}]
    expect: []
  - name: a test harness tracing its own child
    exact: false
    events: [{type: ptrace, proc: {pid: 220}, ptrace: {request: PTRACE_ATTACH, pid: 221}}]
    expect: []
  - name: a refused attach
    exact: false
    events: [{type: ptrace, res: -1, proc: {pid: 220}, ptrace: {request: PTRACE_ATTACH, pid: 300}}]
    expect: []
)", d);
  ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  for (const auto& c : f.cases) {
    CaseResult falco_result = run_case(c, falco.ruleset);
    CaseResult our_result = run_case(c, ours);
    EXPECT_EQ(falco_result.fired.count("PTRACE attached to process"), 1u)
        << c.name << ": Falco's rule was expected to report this";
    EXPECT_TRUE(our_result.alerts.empty()) << c.name << ": " << format_failure(f, c, our_result);
  }
}

}  // namespace
}  // namespace th::ruletest
