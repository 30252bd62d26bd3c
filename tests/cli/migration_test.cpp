// A Falco user's first day: Falco's stock rules validate and replay (the ptrace rules among them
// fire), list-rules describes them as `falco -L` does, and rules are selected as Falco 0.38 does
// it: the config's `rules:` list, `-o rules[]...`, -D/-T/-t, with warnings and errors for bad
// selections.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

using cli_test::Result;
using cli_test::run;
using cli_test::write_file;

const std::string kStock = std::string(TH_SOURCE_DIR) + "/tests/data/falco/stock/";
const std::string kFalcoRules = kStock + "falco_rules.yaml";

nlohmann::json rule(const nlohmann::json& list, const std::string& name) {
  for (const auto& r : list)
    if (r["name"] == name) return r;
  return nullptr;
}

TEST(Migration, ValidateStockFilesEndsWithTheCounts) {
  Result r = run("validate " + kFalcoRules + " " + kStock + "falco-incubating_rules.yaml " +
                 kStock + "falco-sandbox_rules.yaml");
  EXPECT_EQ(r.status, 0) << r.out;
  // Exact counts, as tests/rules/falco_stock_test.cpp asserts them.
  std::string last = r.out.substr(r.out.rfind("rules: "));
  EXPECT_EQ(last,
            "rules: 11 rule(s) loaded (11 enabled), 82 skipped: 81 need a field only Falco has, "
            "1 need event types only Falco has\n");
  EXPECT_NE(r.out.find("skipped rules need: fd.typechar (27)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warning[TH-W-FALCO-ONLY]"), std::string::npos);
  EXPECT_EQ(r.out.find("error["), std::string::npos) << r.out;
}

TEST(Migration, ReplayFiresTheStockPtraceRules) {
  std::string events = write_file("stock.jsonl",
      R"({"type":"ptrace","proc":{"pid":4242,"name":"inject"},"ptrace":{"request":"PTRACE_ATTACH","pid":5000}})"
      "\n"
      R"({"type":"ptrace","proc":{"pid":4243,"name":"antidbg"},"ptrace":{"request":"PTRACE_TRACEME"}})"
      "\n");
  Result r = run("replay --no-fold --format json -r " + kFalcoRules + " " + events);
  EXPECT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> rules;
  for (std::string l; std::getline(lines, l);) rules.push_back(nlohmann::json::parse(l)["rule"]);
  EXPECT_EQ(rules, (std::vector<std::string>{"PTRACE attached to process",
                                             "PTRACE anti-debug attempt"}))
      << r.out;
  EXPECT_NE(r.err.find("rules: 4 rule(s) loaded (4 enabled), 21 skipped"), std::string::npos)
      << r.err;
}

TEST(Migration, ListRulesDescribesEveryRule) {
  Result r = run("list-rules --json -r " + kFalcoRules);
  ASSERT_EQ(r.status, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  EXPECT_EQ(list.size(), 25u);
  auto attach = rule(list, "PTRACE attached to process");
  ASSERT_FALSE(attach.is_null()) << r.out;
  EXPECT_EQ(attach["priority"], "Warning");
  EXPECT_EQ(attach["enabled"], true);
  EXPECT_EQ(attach["status"], "loaded");
  EXPECT_EQ(attach["action"], "none");
  EXPECT_EQ(attach["source"]["line"], 1110);
  EXPECT_NE(attach["source"]["file"].get<std::string>().find("falco_rules.yaml"),
            std::string::npos);
  EXPECT_NE(std::find(attach["tags"].begin(), attach["tags"].end(), "T1055.008"),
            attach["tags"].end());
  std::size_t skipped = 0;
  for (const auto& x : list)
    if (x["status"] == "skipped") {
      ++skipped;
      EXPECT_TRUE(x.contains("needs")) << x.dump();
      EXPECT_EQ(x["enabled"], false);
    }
  EXPECT_EQ(skipped, 21u);
  // The default ruleset's kill rules say so (rule key `action`).
  Result defaults = run("list-rules --json");
  ASSERT_EQ(defaults.status, 0) << defaults.err;
  std::size_t kills = 0;
  for (const auto& x : nlohmann::json::parse(defaults.out)) kills += x["action"] == "kill";
  EXPECT_GT(kills, 0u) << defaults.out;
  Result text = run("list-rules -r " + kFalcoRules);
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("PTRACE anti-debug attempt"), std::string::npos) << text.out;
}

bool enabled(const nlohmann::json& list, const std::string& name) {
  return rule(list, name)["enabled"] == true;
}

TEST(Migration, SelectionsFromTheConfigOptionsAndFlagsApplyInOrder) {
  std::string cfg = write_file("sel.yaml",
      "rules:\n"
      "  - disable:\n      rule: \"*\"\n"
      "  - enable:\n      tag: T1622\n");
  Result r = run("list-rules --json -c " + cfg + " -r " + kFalcoRules);
  ASSERT_EQ(r.status, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  EXPECT_TRUE(enabled(list, "PTRACE anti-debug attempt"));
  EXPECT_FALSE(enabled(list, "PTRACE attached to process"));
  // -o appends after the file's entries; wildcards in names.
  r = run("list-rules --json -c " + cfg + " -r " + kFalcoRules +
          " -o 'rules[].enable.rule=PTRACE att*'");
  list = nlohmann::json::parse(r.out);
  EXPECT_TRUE(enabled(list, "PTRACE attached to process"));
  // Falco's flags: -D by name substring, -t only these tags.
  r = run("list-rules --json -r " + kFalcoRules + " -D anti-debug");
  list = nlohmann::json::parse(r.out);
  EXPECT_FALSE(enabled(list, "PTRACE anti-debug attempt"));
  EXPECT_TRUE(enabled(list, "PTRACE attached to process"));
  r = run("list-rules --json -r " + kFalcoRules + " -t T1055.008");
  list = nlohmann::json::parse(r.out);
  EXPECT_TRUE(enabled(list, "PTRACE attached to process"));
  EXPECT_FALSE(enabled(list, "Fileless execution via memfd_create"));
  // The selection reaches replay: the anti-debug event no longer alerts.
  std::string events = write_file("sel.jsonl",
      R"({"type":"ptrace","proc":{"pid":7,"name":"x"},"ptrace":{"request":"PTRACE_TRACEME"}})"
      "\n");
  Result off = run("replay -r " + kFalcoRules + " -o 'rules[].disable.tag=T1622' " + events);
  EXPECT_EQ(off.status, 0) << off.err;
  EXPECT_EQ(off.out, "");
  Result on = run("replay -r " + kFalcoRules + " " + events);
  EXPECT_NE(on.out.find("PTRACE anti-debug attempt"), std::string::npos) << on.err;
}

TEST(Migration, BadSelectionsAreReported) {
  std::string unmatched = write_file("unmatched.yaml", "rules:\n  - disable:\n      rule: PTRACE atached*\n");
  Result r = run("list-rules -c " + unmatched + " -r " + kFalcoRules);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("unmatched.yaml:3:13: warning[TH-W-SELECTION-UNMATCHED]"), std::string::npos)
      << r.err;
  std::string bad = write_file("badsel.yaml", "rules:\n  - disable:\n      rulez: x\n");
  r = run("list-rules -c " + bad + " -r " + kFalcoRules);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("badsel.yaml:3:7: error[TH-C-UNKNOWN-KEY]"), std::string::npos) << r.err;
  std::string two = write_file("twosel.yaml", "rules:\n  - enable: {rule: a, tag: b}\n");
  r = run("list-rules -c " + two + " -r " + kFalcoRules);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("twosel.yaml:2:13: error[TH-C-BAD-VALUE]"), std::string::npos) << r.err;
  // The unmatched one warns where `validate`-like commands print diagnostics: replay.
  std::string events = write_file("u.jsonl", "");
  r = run("replay -c " + unmatched + " -r " + kFalcoRules + " " + events);
  EXPECT_NE(r.err.find("unmatched.yaml:3:13: warning[TH-W-SELECTION-UNMATCHED]"), std::string::npos)
      << r.err;
}

}  // namespace
