// Live, as a migrating Falco user runs it: Falco's stock falco_rules.yaml as it is (its ptrace
// rules fire on real attacks), a config with Falco 0.38 `rules:` selections plus a `-o` selection,
// and the files watched: a rules or config change is picked up without a signal, a broken one
// keeps the old rules and raises an internal alert.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "live_harness.h"
#include "support/poll.h"

namespace e2e {
namespace {

namespace fs = std::filesystem;

const std::string kStock = std::string(TH_SOURCE_DIR) + "/tests/data/falco/stock/falco_rules.yaml";

TEST(Migration, StockFalcoPtraceRulesFireLive) {
  E2E_REQUIRE_LIVE();
  Tracehound th({.rules_files = {kStock}, .fold = false});
  ASSERT_TRUE(th.ready()) << th.log();
  EXPECT_NE(th.log().find("rules: 4 rule(s) loaded (4 enabled), 21 skipped"), std::string::npos)
      << th.log();
  Victim v;
  run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  auto attach = th.wait_for([](const json& a) { return a["rule"] == "PTRACE attached to process"; });
  ASSERT_TRUE(attach) << th.log();
  EXPECT_EQ(field_str(*attach, "proc.name"), "inject_ptrace_p");  // comm: 15 bytes
  run_attack({attack_program("anti_debug_traceme")});
  auto traceme = th.wait_for([](const json& a) { return a["rule"] == "PTRACE anti-debug attempt"; });
  ASSERT_TRUE(traceme) << th.log();
  EXPECT_EQ((*traceme)["priority"], "Notice");
  EXPECT_EQ(th.stop(), 0);
}

std::string ptrace_rule(const std::string& name, const std::string& tag) {
  return "- rule: " + name + "\n  desc: d\n  condition: evt.type = ptrace and evt.arg.request = "
         "PTRACE_ATTACH and target.pid > 0\n  output: \"" + name +
         " %target.pid\"\n  priority: WARNING\n  tags: [" + tag + "]\n";
}

// Writes through a new file renamed over the old one, as editors save.
void replace_file(const fs::path& p, const std::string& text) {
  fs::path tmp = p.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, p);
}

// Which of the rules alerted for an attack on a fresh victim, once `expect` has.
std::set<std::string> rules_for_attack(Tracehound& th, const std::string& expect) {
  Victim v;
  run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  auto ours = [&](const json& a) { return field_int(a, "target.pid") == v.pid(); };
  EXPECT_TRUE(th.wait_for([&](const json& a) { return ours(a) && a["rule"] == expect; }))
      << expect << "\n" << th.log();
  th.settle();
  std::set<std::string> out;
  for (const auto& a : th.alerts())
    if (a["source"] == "syscall" && ours(a)) out.insert(a["rule"].get<std::string>());
  return out;
}

TEST(Migration, ConfigSelectionsOverrideAndWatchedFiles) {
  E2E_REQUIRE_LIVE();
  th::test::TempDir dir("th-e2e-migration");
  fs::path rules = fs::path(dir.path()) / "rules.yaml";
  fs::path cfg = fs::path(dir.path()) / "tracehound.yaml";
  std::ofstream(rules) << ptrace_rule("rule A", "a") + ptrace_rule("rule B", "b") +
                              ptrace_rule("rule C", "picked");
  std::string cfg_head = "rules_files: [" + rules.string() + "]\nrules:\n"
                         "  - disable:\n      rule: \"*\"\n"
                         "  - enable:\n      rule: \"rule A*\"\n";
  std::ofstream(cfg) << cfg_head;
  Tracehound th({.rules_files = {}, .fold = false,
                 .extra_args = {"--config", cfg.string(), "-o", "rules[].enable.tag=picked"}});
  ASSERT_TRUE(th.ready()) << th.log();
  // Selections: the config's (all off, A on), then -o (tag picked: C on).
  EXPECT_EQ(rules_for_attack(th, "rule C"), (std::set<std::string>{"rule A", "rule C"}));

  // A rules file change, picked up by the watcher (no signal): a new rule A2 is enabled by "rule A*".
  std::size_t mark = th.log().size();
  replace_file(rules, ptrace_rule("rule A", "a") + ptrace_rule("rule A2", "a") +
                          ptrace_rule("rule B", "b") + ptrace_rule("rule C", "picked"));
  ASSERT_TRUE(th::test::eventually(
      [&] { return th.log().find("rules: 4 rule(s) loaded (3 enabled)", mark) != std::string::npos; },
      std::chrono::seconds(10)))
      << th.log();
  EXPECT_EQ(rules_for_attack(th, "rule A2"), (std::set<std::string>{"rule A", "rule A2", "rule C"}));

  // A config change: B enabled too.
  mark = th.log().size();
  replace_file(cfg, cfg_head + "  - enable:\n      rule: rule B\n");
  ASSERT_TRUE(th::test::eventually(
      [&] { return th.log().find("rules: 4 rule(s) loaded (4 enabled)", mark) != std::string::npos; },
      std::chrono::seconds(10)))
      << th.log();
  EXPECT_EQ(rules_for_attack(th, "rule B"),
            (std::set<std::string>{"rule A", "rule A2", "rule B", "rule C"}));

  // A broken rules file: validated first, the old rules stay, an internal alert says so.
  replace_file(rules, "- rule: broken\n  desc: d\n  condition: evt.type = ptrace and proc.nme = x\n"
                      "  output: o\n  priority: WARNING\n");
  auto failed = th.wait_for(
      [](const json& a) { return a["rule"] == "tracehound internal: rules reload failed"; });
  ASSERT_TRUE(failed) << th.log();
  EXPECT_NE(th.log().find("TH-E-UNKNOWN-FIELD"), std::string::npos);
  EXPECT_EQ(rules_for_attack(th, "rule B"),
            (std::set<std::string>{"rule A", "rule A2", "rule B", "rule C"}));
  EXPECT_EQ(th.stop(), 0);
}

}  // namespace
}  // namespace e2e
