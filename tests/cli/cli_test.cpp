// The command as a user runs it: replay (alerts on stdout only, bad lines reported with their
// number and counted, the rest processed), validate (exit codes, text and JSON), list-fields.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

using cli_test::Result;
using cli_test::run;
using cli_test::write_file;

const std::string kFalcoRules = std::string(TH_SOURCE_DIR) + "/tests/data/falco/falco_ptrace_rules.yaml";

TEST(Cli, ReplayEmitsFalcoJsonAlertsAndReportsBadLines) {
  std::string events = write_file("events.jsonl",
      R"({"type":"ptrace","proc":{"pid":4242,"name":"inject"},"ptrace":{"request":"PTRACE_ATTACH","pid":5000}})"
      "\n"
      "{broken\n"
      "\n"
      R"({"type":"ptrace","proc":{"pid":4243,"name":"antidbg"},"ptrace":{"request":"PTRACE_TRACEME"}})"
      "\n");
  Result r = run("replay --no-fold --format json --rules " + kFalcoRules + " " + events);
  std::remove(events.c_str());
  EXPECT_EQ(r.status, 1) << r.err;
  // Every stdout line is one alert in Falco's format.
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> alerts;
  for (std::string l; std::getline(lines, l);) alerts.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(alerts.size(), 2u) << r.out;
  EXPECT_EQ(alerts[0]["rule"], "PTRACE attached to process");
  EXPECT_EQ(alerts[0]["priority"], "Warning");
  EXPECT_EQ(alerts[0]["output_fields"]["proc.name"], "inject");
  EXPECT_EQ(alerts[1]["rule"], "PTRACE anti-debug attempt");
  for (const auto& a : alerts)
    for (const char* key : {"hostname", "output", "output_fields", "priority", "rule", "source",
                            "tags", "time"})
      EXPECT_TRUE(a.contains(key)) << key;
  EXPECT_NE(r.err.find("events.jsonl:2: error[TH-E-EVENT]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 bad lines"), std::string::npos) << r.err;
}

TEST(Cli, ReplayTextFormat) {
  std::string events = write_file("t.jsonl",
      R"({"type":"ptrace","proc":{"pid":7,"name":"x"},"ptrace":{"request":"PTRACE_TRACEME"}})"
      "\n");
  Result r = run("replay --format text --rules " + kFalcoRules + " " + events);
  std::remove(events.c_str());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(": Notice Detected potential PTRACE_TRACEME anti-debug attempt"),
            std::string::npos)
      << r.out;
}

TEST(Cli, OptionOverridesAConfigKey) {
  std::string events = write_file("o.jsonl",
      R"({"type":"ptrace","proc":{"pid":7,"name":"x"},"ptrace":{"request":"PTRACE_TRACEME"}})"
      "\n");
  std::string cfg = write_file("o.yaml", "format: json\n");
  Result r = run("replay -c " + cfg + " -o format=text --rules " + kFalcoRules + " " + events);
  std::remove(events.c_str());
  std::remove(cfg.c_str());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(": Notice Detected potential PTRACE_TRACEME anti-debug attempt"),
            std::string::npos)
      << "text, as -o says, not the file's json\n" << r.out;
  EXPECT_EQ(r.out.find('{'), std::string::npos) << r.out;
}

TEST(Cli, ValidateExitCodesAndJson) {
  Result ok = run("validate " + kFalcoRules);
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("0 error(s)"), std::string::npos);
  std::string bad = write_file("bad.yaml",
                               "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.nam=x\n"
                               "  output: o\n  priority: WARNING\n");
  Result b = run("validate " + bad);
  EXPECT_EQ(b.status, 1);
  EXPECT_NE(b.out.find(":3:34: error[TH-E-UNKNOWN-FIELD] rule 'r': unknown field 'proc.nam'"),
            std::string::npos)
      << b.out;
  EXPECT_NE(b.out.find("condition: evt.type=ptrace and proc.nam=x"), std::string::npos)
      << "the source line is shown";
  Result j = run("validate --json " + bad);
  std::remove(bad.c_str());
  EXPECT_EQ(j.status, 1);
  auto arr = nlohmann::json::parse(j.out);
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(arr[0]["line"], 3);
  Result missing = run("validate /nonexistent.yaml");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("TH-E-FILE"), std::string::npos);
}

TEST(Cli, ListFieldsInThreeFormats) {
  Result text = run("list-fields");
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("target.is_descendant (bool, tracehound)"), std::string::npos);
  Result json = run("list-fields --json");
  auto arr = nlohmann::json::parse(json.out);
  EXPECT_GT(arr.size(), 40u);
  Result md = run("list-fields --markdown");
  EXPECT_NE(md.out.find("| `proc.aname[N] (optional)` | string |"), std::string::npos);
}

TEST(Cli, BadUsageIsExitTwo) {
  EXPECT_EQ(run("replay").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
  EXPECT_EQ(run("replay --format xml x.jsonl").status, 2);
}

}  // namespace
