// Running rule-test cases: comparison of expected and actual alerts, folding options, reports.
#include "engine/ruletest/runner.h"

#include <gtest/gtest.h>

#include "engine/metrics/metrics.h"
#include "engine/rules/loader.h"

namespace th::ruletest {
namespace {

const std::string kData = std::string(TH_SOURCE_DIR) + "/tests/ruletest/data";

std::shared_ptr<const Ruleset> sample_rules() {
  LoadResult r = load_rules({kData + "/sample_rules.yaml"});
  EXPECT_FALSE(r.diags.has_errors()) << format_diagnostics_text(r.diags);
  return r.ruleset;
}

TestCase one_case(const std::string& yaml) {
  Diagnostics d;
  TestFile f = parse_test_yaml("t.yaml", "processes: [{pid: 100, exepath: /tmp/inject}]\ncases:\n" + yaml, d);
  EXPECT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  EXPECT_EQ(f.cases.size(), 1u);
  return f.cases.empty() ? TestCase{} : f.cases[0];
}

const char* kTwoPokes = R"(    events:
      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}
      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}
)";

struct Outcome {
  const char* name;
  std::string yaml;
  bool passes;
  std::vector<std::string> problem_parts;  // each must appear in some problem line
};

class RunnerOutcome : public ::testing::TestWithParam<Outcome> {};

TEST_P(RunnerOutcome, ComparesExpectedAndActual) {
  const Outcome& o = GetParam();
  CaseResult r = run_case(one_case(o.yaml), sample_rules());
  EXPECT_EQ(r.passed, o.passes) << o.name;
  EXPECT_EQ(r.problems.empty(), o.passes) << o.name;
  for (const auto& part : o.problem_parts) {
    bool found = false;
    for (const auto& p : r.problems) found = found || p.find(part) != std::string::npos;
    EXPECT_TRUE(found) << o.name << ": no problem mentions \"" << part << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RunnerOutcome,
    ::testing::Values(
        Outcome{"folded_pass",
                std::string("  - name: c\n") + kTwoPokes +
                    "    expect: [{rule: Sample write, priority: CRITICAL, alerts: 1, summaries: 1, folded: 1}]\n",
                true, {}},
        Outcome{"unfolded_pass",
                std::string("  - name: c\n    fold: false\n") + kTwoPokes +
                    "    expect: [{rule: Sample write, priority: CRITICAL, alerts: 2, summaries: 0, folded: 0}]\n",
                true, {}},
        Outcome{"priority_is_optional",
                std::string("  - name: c\n") + kTwoPokes + "    expect: [{rule: Sample write}]\n", true, {}},
        Outcome{"wrong_priority",
                std::string("  - name: c\n") + kTwoPokes + "    expect: [{rule: Sample write, priority: ALERT}]\n",
                false, {"missing:    'Sample write' (ALERT)", "unexpected: 'Sample write' (CRITICAL)"}},
        Outcome{"nothing_expected",
                std::string("  - name: c\n") + kTwoPokes + "    expect: []\n", false,
                {"unexpected: 'Sample write' (CRITICAL)"}},
        Outcome{"not_exact_ignores_others",
                std::string("  - name: c\n    exact: false\n") + kTwoPokes + "    expect: []\n", true, {}},
        Outcome{"alerts_zero_means_must_not_fire",
                std::string("  - name: c\n    exact: false\n") + kTwoPokes +
                    "    expect: [{rule: Sample attach, alerts: 0}]\n",
                true, {}},
        Outcome{"alerts_zero_fails_when_it_fires",
                std::string("  - name: c\n") + kTwoPokes + "    expect: [{rule: Sample write, alerts: 0}]\n",
                false, {"expected 0 alert(s), got 1"}},
        Outcome{"missing_rule",
                std::string("  - name: c\n") + kTwoPokes +
                    "    expect: [{rule: Sample write}, {rule: Sample attach, priority: ERROR}]\n",
                false, {"missing:    'Sample attach' (ERROR) did not fire"}},
        Outcome{"unknown_rule_name",
                std::string("  - name: c\n") + kTwoPokes +
                    "    expect: [{rule: Sample write}, {rule: Sample writes}]\n",
                false, {"no enabled rule of that name is loaded; did you mean 'Sample write'?"}},
        Outcome{"wrong_alert_count",
                std::string("  - name: c\n") + kTwoPokes + "    expect: [{rule: Sample write, alerts: 2}]\n",
                false, {"expected 2 alert(s), got 1", "folded into session summaries"}},
        Outcome{"wrong_summary_count",
                std::string("  - name: c\n") + kTwoPokes + "    expect: [{rule: Sample write, summaries: 0}]\n",
                false, {"expected 0 summary alert(s), got 1"}},
        Outcome{"wrong_folded_count",
                std::string("  - name: c\n") + kTwoPokes + "    expect: [{rule: Sample write, folded: 5}]\n",
                false, {"expected 5 folded match(es), got 1"}},
        Outcome{"output_contains_pass",
                std::string("  - name: c\n") + kTwoPokes +
                    "    expect: [{rule: Sample write, output_contains: [tracer=/tmp/inject, target=300]}]\n",
                true, {}},
        Outcome{"output_contains_fail",
                std::string("  - name: c\n") + kTwoPokes +
                    "    expect: [{rule: Sample write, output_contains: tracer=/usr/bin/gdb}]\n",
                false, {"no alert output contains \"tracer=/usr/bin/gdb\"", "Sample write | tracer=/tmp/inject"}},
        Outcome{"short_window_closes_sessions",
                "  - name: c\n    fold_window: 1ms\n    events:\n"
                "      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}\n"
                "      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}\n"
                "      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}\n"
                "    expect: [{rule: Sample write, alerts: 3, summaries: 0}]\n",
                true, {}},
        Outcome{"rule_fold_false",
                "  - name: c\n    events:\n"
                "      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_ATTACH, pid: 300}}\n"
                "      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_ATTACH, pid: 300}}\n"
                "    expect: [{rule: Sample attach, alerts: 2, summaries: 0}]\n",
                true, {}},
        Outcome{"debugger_by_path",
                "  - name: c\n    events:\n"
                "      - {type: ptrace, proc: {pid: 7, exepath: /usr/bin/gdb}, ptrace: {request: PTRACE_POKETEXT, pid: 300}}\n"
                "    expect: []\n",
                true, {}}),
    [](const ::testing::TestParamInfo<Outcome>& i) { return std::string(i.param.name); });

TEST(Runner, RecordsEveryAlertInOrder) {
  TestCase c = one_case(std::string("  - name: c\n") + kTwoPokes +
                        "    expect: [{rule: Sample write}]\n");
  CaseResult r = run_case(c, sample_rules());
  ASSERT_EQ(r.alerts.size(), 2u);  // the first alert, then the summary at the end of the case
  EXPECT_EQ(r.alerts[0].output_fields.count("tracehound.summary"), 0u);
  EXPECT_EQ(r.alerts[1].output_fields["tracehound.summary"], true);
  EXPECT_EQ(r.alerts[0].hostname, "rule-test");
  ASSERT_EQ(r.fired.count("Sample write"), 1u);
  EXPECT_EQ(r.fired["Sample write"].alerts, 1u);
  EXPECT_EQ(r.fired["Sample write"].summaries, 1u);
  EXPECT_EQ(r.fired["Sample write"].folded, 1u);
}

TEST(Runner, FoldedMatchesAreCountedInTheMetrics) {
  TestCase c = one_case(std::string("  - name: c\n") + kTwoPokes +
                        "    expect: [{rule: Sample write}]\n");
  auto value = [] {
    return Metrics::global().value("tracehound_folded_matches_total", {{"rule", "Sample write"}});
  };
  double before = value();
  run_case(c, sample_rules());
  EXPECT_EQ(value() - before, 1);
  c.fold = false;
  run_case(c, sample_rules());
  EXPECT_EQ(value() - before, 1);  // nothing folded with folding off
}

TEST(Runner, CasesDoNotShareState) {
  // The second case's POKETEXT is the first of its own run: it alerts although the same
  // (rule, tracer, target) session was open at the end of the first case.
  TestCase c = one_case(std::string("  - name: c\n") + kTwoPokes +
                        "    expect: [{rule: Sample write, alerts: 1}]\n");
  auto rules = sample_rules();
  EXPECT_TRUE(run_case(c, rules).passed);
  EXPECT_TRUE(run_case(c, rules).passed);
}

TEST(Runner, FailureReportNamesFileLineCaseAndDifferences) {
  Diagnostics d;
  TestFile f = parse_test_file(kData + "/failing_cases.yaml", d);
  ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  auto rules = sample_rules();
  int passed = 0, failed = 0;
  std::string report;
  for (const auto& c : f.cases) {
    CaseResult r = run_case(c, rules);
    if (r.passed) {
      ++passed;
    } else {
      ++failed;
      report += format_failure(f, c, r);
    }
  }
  EXPECT_EQ(passed, 3);
  EXPECT_EQ(failed, 5);
  for (const char* part :
       {"failing_cases.yaml:21: case 'fails on the wrong priority': expected ['Sample write' "
        "(WARNING)] got ['Sample write' (CRITICAL)]\n",
        "failing_cases.yaml:31: case 'fails on an unexpected rule': expected no alerts got "
        "['Sample write' (CRITICAL)]\n",
        "    missing:    'Sample attach' (ERROR) did not fire\n"})
    EXPECT_NE(report.find(part), std::string::npos) << "missing from the report: " << part
                                                    << "\nreport:\n" << report;
}

}  // namespace
}  // namespace th::ruletest
