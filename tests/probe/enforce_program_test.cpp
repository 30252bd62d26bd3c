// The compiled form of `action: kill` rules, in user space: rules compiled by engine/enforce,
// encoded by the loader (probe/enforce_map.cpp) and run by the kernel's own evaluator
// (probe/enforce_eval.h) on the facts of a kill point, case by case. Also what `validate` says
// about a kill rule that needs what the kernel does not know.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/rules/loader.h"
#include "probe/enforce_eval.h"
#include "probe/enforce_map.h"
#include "probe/interest_map.h"

namespace th::probe {
namespace {

const char* kRules = R"(
- list: dbg
  items: [/usr/bin/gdb, /usr/bin/strace]
- list: sensitive
  items: [/usr/sbin/sshd]
- macro: other
  condition: (target.is_self = false and target.is_descendant = false)
- macro: debugger
  condition: (proc.exepath in (dbg) and proc.is_exe_host_file = true and proc.env_injection = "")
- rule: vm
  desc: d
  condition: evt.type = process_vm_writev and evt.failed = false and other and not debugger
  output: o
  priority: CRITICAL
  action: kill
- rule: poke
  desc: d
  condition: evt.type = ptrace and ptrace.request in (PTRACE_POKETEXT, PTRACE_SETREGS) and other and not debugger
  output: o
  priority: CRITICAL
  action: kill
- rule: cross
  desc: d
  condition: evt.type = ptrace and ptrace.request = PTRACE_POKEDATA and container.id != val(target.container.id)
  output: o
  priority: ALERT
  action: kill
  action_unless: debugger
- rule: sshd
  desc: d
  condition: evt.type = ptrace and ptrace.request = PTRACE_POKEUSR and (target.pid = 1 or target.exepath in (sensitive))
  output: o
  priority: ALERT
  action: kill
- rule: alert only
  desc: d
  condition: evt.type = ptrace and proc.name = x
  output: o
  priority: NOTICE
)";

constexpr th_exe_key kGdb{42, 7, 0};
constexpr th_exe_key kSshd{77, 7, 0};
constexpr th_exe_key kEvil{99, 7, 0};

std::optional<th_exe_key> fake_key(const std::string& path) {
  if (path == "/usr/bin/gdb") return kGdb;
  if (path == "/usr/sbin/sshd") return kSshd;
  return std::nullopt;  // strace is not installed on this pretend host
}

// One kill point, as the kernel would see it.
struct Case {
  const char* name;
  EvtType type;
  int64_t request;
  std::optional<bool> self, descendant, same_pidns;
  std::optional<th_exe_key> caller, target;
  int64_t target_pid;
  const char* expect;  // the rule that kills, "" for none
};

const Case kCases[] = {
    {"vm write by unknown binary", EvtType::process_vm_writev, 0, false, false, true, kEvil, std::nullopt, 500, "vm"},
    {"vm write into a descendant", EvtType::process_vm_writev, 0, false, true, true, kEvil, std::nullopt, 500, ""},
    {"vm write into itself", EvtType::process_vm_writev, 0, true, false, true, kEvil, std::nullopt, 500, ""},
    {"vm write, ancestry unknown: never killed", EvtType::process_vm_writev, 0, false, std::nullopt, true, kEvil, std::nullopt, 500, ""},
    {"vm write by gdb: debugger check unknown, never killed", EvtType::process_vm_writev, 0, false, false, true, kGdb, std::nullopt, 500, ""},
    {"vm write, caller exe unknown: never killed", EvtType::process_vm_writev, 0, false, false, true, std::nullopt, std::nullopt, 500, ""},
    {"POKETEXT by unknown binary", EvtType::ptrace, 4, false, false, true, kEvil, std::nullopt, 500, "poke"},
    {"SETREGS by unknown binary", EvtType::ptrace, 13, false, false, true, kEvil, std::nullopt, 500, "poke"},
    {"POKETEXT by gdb", EvtType::ptrace, 4, false, false, true, kGdb, std::nullopt, 500, ""},
    {"PEEKDATA is no write", EvtType::ptrace, 2, false, false, true, kEvil, std::nullopt, 500, ""},
    {"POKEDATA across pid namespaces", EvtType::ptrace, 5, false, false, false, kEvil, std::nullopt, 500, "cross"},
    {"POKEDATA across pid namespaces by gdb (action_unless)", EvtType::ptrace, 5, false, false, false, kGdb, std::nullopt, 500, ""},
    {"POKEDATA in the same pid namespace", EvtType::ptrace, 5, false, false, true, kEvil, std::nullopt, 500, ""},
    {"POKEDATA, target unknown", EvtType::ptrace, 5, std::nullopt, std::nullopt, std::nullopt, kEvil, std::nullopt, 0, ""},
    {"POKEUSR into sshd", EvtType::ptrace, 6, false, false, true, kEvil, kSshd, 500, "sshd"},
    {"POKEUSR into pid 1", EvtType::ptrace, 6, false, false, true, kEvil, kEvil, 1, "sshd"},
    {"POKEUSR into another process", EvtType::ptrace, 6, false, false, true, kEvil, kEvil, 500, ""},
};

class EnforceProgram : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    auto r = load_rules_from_strings({{"kill.yaml", kRules}});
    ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
    rules_ = r.ruleset;
    std::string error;
    ASSERT_TRUE(encode_enforcement(rules_->kill_program(), rules_->kill_interest(), {}, {}, plan_,
                                   error, fake_key))
        << error;
  }
  static std::shared_ptr<const Ruleset> rules_;
  static EnforcementPlan plan_;
};
std::shared_ptr<const Ruleset> EnforceProgram::rules_;
EnforcementPlan EnforceProgram::plan_;

int64_t sets_of(const EnforcementPlan& plan, const th_exe_key& k) {
  for (const auto& [key, sets] : plan.exes)
    if (key.ino == k.ino && key.dev == k.dev) return static_cast<int64_t>(sets);
  return 0;
}

void set(th_enforce_facts& f, th_enforce_fact k, int64_t v) {
  f.v[k] = v;
  f.known |= 1u << k;
}

TEST_P(EnforceProgram, KillsExactlyWhenTheRuleIsTrueInTheKernel) {
  const Case& c = GetParam();
  th_enforce_facts f{};
  set(f, TH_EF_SYSCALL, evt_type_syscall(c.type));
  set(f, TH_EF_FAILED, 0);
  if (c.type == EvtType::ptrace) set(f, TH_EF_PTRACE_REQUEST, c.request);
  if (c.self) set(f, TH_EF_TARGET_IS_SELF, *c.self);
  if (c.descendant) set(f, TH_EF_TARGET_IS_DESCENDANT, *c.descendant);
  if (c.same_pidns) set(f, TH_EF_SAME_PIDNS, *c.same_pidns);
  if (c.caller) set(f, TH_EF_CALLER_EXE_SETS, sets_of(plan_, *c.caller));
  if (c.target) set(f, TH_EF_TARGET_EXE_SETS, sets_of(plan_, *c.target));
  if (c.target_pid) set(f, TH_EF_TARGET_PID, c.target_pid);
  th_enforce_state s;
  th_enforce_init(&s);
  for (const auto& insn : plan_.insns)
    if (th_enforce_step(&s, &f, &insn)) break;
  ASSERT_EQ(s.broken, 0u);
  std::string got = s.rule < 0 ? "" : rules_->kill_program().rules.at(static_cast<std::size_t>(s.rule));
  EXPECT_EQ(got, c.expect);
}

INSTANTIATE_TEST_SUITE_P(Table, EnforceProgram, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n;
                           for (char ch : std::string(info.param.name))
                             n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return n;
                         });

TEST(EnforceProgramShape, OnlyKillRulesAreLinkedAndTheirInterestIsTheirs) {
  auto r = load_rules_from_strings({{"kill.yaml", kRules}});
  ASSERT_TRUE(r.ruleset);
  EXPECT_EQ(r.ruleset->kill_program().rules, (std::vector<std::string>{"vm", "poke", "cross", "sshd"}));
  const Interest& in = r.ruleset->kill_interest();
  EXPECT_TRUE(in.types.contains(EvtType::process_vm_writev));
  EXPECT_TRUE(in.wants_ptrace(4));
  EXPECT_FALSE(in.wants_ptrace(2));  // PEEKDATA: no kill rule can match it
  EXPECT_FALSE(in.types.contains(EvtType::openat));
}

TEST(EnforceProgramShape, MalformedProgramsKillNothing) {
  th_enforce_facts f{};
  th_enforce_state s;
  th_enforce_init(&s);
  th_enforce_insn and_insn{0, TH_EO_AND, 0, {}};  // nothing on the stack
  EXPECT_EQ(th_enforce_step(&s, &f, &and_insn), 1);
  EXPECT_EQ(s.rule, -1);
  EXPECT_EQ(s.broken, 1u);
}

struct Rejected {
  const char* condition;
  const char* field;
  uint32_t col;  // of the condition's field, on line 3
};

TEST(EnforceValidate, KillRuleOnAFieldTheKernelCannotSeeIsAnErrorAtItsPosition) {
  const Rejected kCases[] = {
      {"evt.type = ptrace and proc.name = evil", "'proc.name'", 36},
      {"evt.type = ptrace and proc.cmdline contains x", "'proc.cmdline'", 36},
      {"evt.type = ptrace and proc.exepath startswith /tmp", "by file identity", 49},
      {"evt.type = ptrace and container.id = abc", "only compares", 51},
  };
  for (const auto& c : kCases) {
    std::string yaml = std::string("- rule: r\n  desc: d\n  condition: ") + c.condition +
                       "\n  output: o\n  priority: ERROR\n  action: kill\n";
    auto r = load_rules_from_strings({{"k.yaml", yaml}});
    EXPECT_FALSE(r.ruleset) << c.condition;
    ASSERT_EQ(r.diags.items().size(), 1u) << format_diagnostics_text(r.diags);
    const auto& d = r.diags.items()[0];
    EXPECT_EQ(d.code, "TH-E-KILL-FIELD");
    EXPECT_EQ(d.pos.file, "k.yaml");
    EXPECT_EQ(d.pos.line, 3u) << c.condition;
    EXPECT_EQ(d.pos.col, c.col) << c.condition << ": " << d.message;
    EXPECT_NE(d.message.find(c.field), std::string::npos) << d.message;
    // Without the action the same rule is fine.
    auto ok = load_rules_from_strings({{"k.yaml", yaml.substr(0, yaml.find("  action"))}});
    EXPECT_TRUE(ok.ruleset) << format_diagnostics_text(ok.diags);
  }
}

TEST(EnforceValidate, UnknownActionIsAnError) {
  auto r = load_rules_from_strings(
      {{"k.yaml", "- rule: r\n  desc: d\n  condition: evt.type = ptrace\n  output: o\n  priority: ERROR\n  action: stop\n"}});
  EXPECT_FALSE(r.ruleset);
  ASSERT_FALSE(r.diags.items().empty());
  EXPECT_EQ(r.diags.items()[0].code, "TH-E-BAD-ACTION");
  EXPECT_EQ(r.diags.items()[0].pos.line, 6u);
}

TEST(EnforceDefaultRules, KillRulesAreTheOnesTheIssueNamesAndNoDebuggerRule) {
  auto r = load_rules({std::string(TH_SOURCE_DIR) + "/rules"});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  std::vector<std::string> want = {
      "Process injection across container boundary", "Process injection into sensitive process",
      "Ptrace write into non-descendant process", "Process memory written with process_vm_writev",
      "Memory file of another process written",
      "Ptrace attach to non-descendant process by unknown binary"};
  auto got = r.ruleset->kill_program().rules;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  for (const auto& rule : r.ruleset->rules())
    if (rule.name.find("ebugger") != std::string::npos) {
      EXPECT_NE(rule.action, RuleAction::kill) << rule.name;
    }
  std::string error;
  EnforcementPlan plan;
  EXPECT_TRUE(encode_enforcement(r.ruleset->kill_program(), r.ruleset->kill_interest(), {}, {},
                                 plan, error))
      << error;
}

}  // namespace
}  // namespace th::probe
