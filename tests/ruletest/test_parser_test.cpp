// Reading rule-test files: what a valid file gives, and file:line:col for every kind of mistake.
#include <gtest/gtest.h>

#include "engine/ruletest/test_file.h"

namespace th::ruletest {
namespace {

TestFile parse(const std::string& text, Diagnostics& d) { return parse_test_yaml("t.yaml", text, d); }

TEST(TestParser, ReadsCasesEventsAndExpectations) {
  Diagnostics d;
  TestFile f = parse(R"(processes:
  - {pid: 300, exepath: /usr/sbin/nginx}
cases:
  - name: first
    description: some words
    fold: false
    fold_window: 500ms
    exact: false
    processes:
      - {pid: 100, exepath: /tmp/inject, ppid: 50}
    events:
      - {type: ptrace, proc: {pid: 100}, ptrace: {request: PTRACE_POKETEXT, pid: 300, addr: 0x10}}
      - {type: openat, proc: {pid: 100}, open: {pid: 300, flags: 2}}
    expect:
      - rule: R
        priority: critical
        alerts: 1
        summaries: 0
        folded: 0
        output_contains: [a, b]
      - {rule: S, output_contains: c}
  - name: second
    events: [{type: procexit}]
    expect: []
)", d);
  ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  ASSERT_EQ(f.cases.size(), 2u);
  const TestCase& c = f.cases[0];
  EXPECT_EQ(c.name, "first");
  EXPECT_EQ(c.pos.line, 4u);
  EXPECT_EQ(c.fold, false);
  EXPECT_EQ(c.fold_window_ns, 500'000'000u);
  EXPECT_FALSE(c.exact);
  ASSERT_EQ(c.processes.size(), 2u);  // the file's and the case's
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.event_pos[1].line, 13u);
  // The declared processes fill the event's proc and target.
  const EventRecord& poke = c.events[0];
  EXPECT_EQ(poke.event.request, 4);
  EXPECT_EQ(poke.event.addr, 0x10u);
  ASSERT_TRUE(poke.proc && poke.target);
  EXPECT_EQ(poke.proc->exepath, "/tmp/inject");
  EXPECT_EQ(poke.proc->ppid, 50);
  EXPECT_EQ(poke.target->exepath, "/usr/sbin/nginx");
  // An open without a path gets the memory file of its pid.
  EXPECT_EQ(c.events[1].event.path, "/proc/300/mem");
  EXPECT_EQ(c.events[1].event.open_flags, 2u);
  // Events default to one millisecond apart.
  EXPECT_EQ(c.events[1].event.ts_ns - c.events[0].event.ts_ns, 1'000'000u);
  ASSERT_EQ(c.expect.size(), 2u);
  EXPECT_EQ(c.expect[0].rule, "R");
  EXPECT_EQ(c.expect[0].priority, Priority::critical);
  EXPECT_EQ(c.expect[0].alerts, 1u);
  EXPECT_EQ(c.expect[0].summaries, 0u);
  EXPECT_EQ(c.expect[0].folded, 0u);
  EXPECT_EQ(c.expect[0].output_contains, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(c.expect[1].priority);
  EXPECT_EQ(c.expect[1].output_contains, std::vector<std::string>{"c"});
  const TestCase& c2 = f.cases[1];
  EXPECT_FALSE(c2.fold);
  EXPECT_TRUE(c2.exact);
  EXPECT_TRUE(c2.expect.empty());
  ASSERT_EQ(c2.processes.size(), 1u);  // only the file's
}

TEST(TestParser, EventKeysWinOverTheDeclaredProcess) {
  Diagnostics d;
  TestFile f = parse(R"(processes: [{pid: 300, exepath: /usr/sbin/nginx, uid: 33}]
cases:
  - name: c
    events: [{type: ptrace, ptrace: {request: PTRACE_ATTACH, pid: 300}, target: {pid: 300, uid: 0}}]
    expect: []
)", d);
  ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  const auto& t = f.cases[0].events[0].target;
  ASSERT_TRUE(t);
  EXPECT_EQ(t->uid, 0u);
  EXPECT_EQ(t->exepath, "/usr/sbin/nginx");
}

TEST(TestParser, CaseProcessesOverrideTheFilesForTheSamePid) {
  Diagnostics d;
  TestFile f = parse(R"(processes: [{pid: 300, exepath: /usr/sbin/nginx}]
cases:
  - name: c
    processes: [{pid: 300, exepath: /usr/sbin/sshd}]
    events: [{type: process_vm_writev, vm: {pid: 300, bytes: 8}}]
    expect: []
)", d);
  ASSERT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  ASSERT_TRUE(f.cases[0].events[0].target);
  EXPECT_EQ(f.cases[0].events[0].target->exepath, "/usr/sbin/sshd");
}

struct ErrorCase {
  const char* name;
  const char* text;
  const char* code;
  uint32_t line;
  uint32_t col;
  const char* message_part;
};

class TestParserErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TestParserErrors, NamesFileLineAndColumn) {
  const ErrorCase& c = GetParam();
  Diagnostics d;
  TestFile f = parse(c.text, d);
  ASSERT_TRUE(d.has_errors()) << c.name;
  bool found = false;
  for (const auto& diag : d.items()) {
    if (diag.code == c.code && diag.pos.line == c.line && diag.pos.col == c.col &&
        diag.message.find(c.message_part) != std::string::npos) {
      found = true;
      EXPECT_EQ(diag.pos.file, "t.yaml");
    }
  }
  EXPECT_TRUE(found) << c.name << ": got\n" << format_diagnostics_text(d);
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, TestParserErrors,
    ::testing::Values(
        ErrorCase{"invalid_yaml", "cases: [\n  {name: x\n", "TH-E-TEST-YAML", 3, 1, "invalid YAML"},
        ErrorCase{"not_a_mapping", "- a\n- b\n", "TH-E-TEST-TYPE", 1, 1, "mapping with a 'cases'"},
        ErrorCase{"empty_file", "", "TH-E-TEST-TYPE", 1, 1, "mapping with a 'cases'"},
        ErrorCase{"no_cases", "processes: []\n", "TH-E-TEST-MISSING", 1, 1, "missing 'cases'"},
        ErrorCase{"empty_cases", "cases: []\n", "TH-E-TEST-TYPE", 1, 8, "non-empty list"},
        ErrorCase{"unknown_file_key", "case: []\ncases: [{name: a, events: [{type: procexit}], expect: []}]\n",
                  "TH-E-TEST-KEY", 1, 1, "did you mean 'cases'"},
        ErrorCase{"unknown_case_key",
                  "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: []\n    fodl: false\n",
                  "TH-E-TEST-KEY", 5, 5, "did you mean 'fold'"},
        ErrorCase{"case_without_name", "cases:\n  - events: [{type: procexit}]\n    expect: []\n",
                  "TH-E-TEST-MISSING", 2, 5, "needs a 'name'"},
        ErrorCase{"missing_expect", "cases:\n  - name: a\n    events: [{type: procexit}]\n",
                  "TH-E-TEST-MISSING", 2, 5, "missing 'expect'"},
        ErrorCase{"missing_events", "cases:\n  - name: a\n    expect: []\n", "TH-E-TEST-MISSING", 2,
                  5, "missing 'events'"},
        ErrorCase{"empty_events", "cases:\n  - name: a\n    events: []\n    expect: []\n",
                  "TH-E-TEST-TYPE", 3, 13, "non-empty list"},
        ErrorCase{"expect_not_a_list", "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: none\n",
                  "TH-E-TEST-TYPE", 4, 13, "must be a list"},
        ErrorCase{"duplicate_case",
                  "cases:\n  - {name: a, events: [{type: procexit}], expect: []}\n"
                  "  - {name: a, events: [{type: procexit}], expect: []}\n",
                  "TH-E-TEST-DUPLICATE", 3, 12, "defined twice"},
        ErrorCase{"bad_fold", "cases:\n  - {name: a, fold: maybe, events: [{type: procexit}], expect: []}\n",
                  "TH-E-TEST-TYPE", 2, 21, "true or false"},
        ErrorCase{"bad_window", "cases:\n  - {name: a, fold_window: 5 days, events: [{type: procexit}], expect: []}\n",
                  "TH-E-TEST-TYPE", 2, 28, "positive duration"},
        ErrorCase{"zero_window", "cases:\n  - {name: a, fold_window: 0s, events: [{type: procexit}], expect: []}\n",
                  "TH-E-TEST-TYPE", 2, 28, "positive duration"},
        ErrorCase{"unknown_event_type", "cases:\n  - name: a\n    events:\n      - {type: mmap}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 4, 16, "unknown event type 'mmap'"},
        ErrorCase{"event_without_type", "cases:\n  - name: a\n    events:\n      - {res: 0}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 4, 9, "type: missing"},
        ErrorCase{"unknown_request",
                  "cases:\n  - name: a\n    events:\n      - type: ptrace\n        ptrace:\n          request: PTRACE_POKETXT\n    expect: []\n",
                  "TH-E-TEST-EVENT", 6, 20, "unknown request 'PTRACE_POKETXT'"},
        ErrorCase{"ptrace_without_request",
                  "cases:\n  - name: a\n    events: [{type: ptrace}]\n    expect: []\n",
                  "TH-E-TEST-EVENT", 3, 14, "ptrace.request: missing"},
        ErrorCase{"typo_in_event_key",
                  "cases:\n  - name: a\n    events:\n      - type: ptrace\n        ptrace: {request: PTRACE_ATTACH}\n        proc: {pid: 1, exe_path: /x}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 6, 34, "did you mean 'exepath'"},
        ErrorCase{"args_of_another_kind",
                  "cases:\n  - name: a\n    events:\n      - {type: openat, vm: {bytes: 1}}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 4, 28, "'vm' does not apply to openat events; use 'open'"},
        ErrorCase{"target_on_exec",
                  "cases:\n  - name: a\n    events:\n      - {type: execve, target: {pid: 3}}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 4, 32, "'target' does not apply"},
        ErrorCase{"wrong_value_type",
                  "cases:\n  - name: a\n    events:\n      - {type: ptrace, ptrace: {request: PTRACE_ATTACH, pid: abc}}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 4, 62, "ptrace.pid: expected an integer"},
        ErrorCase{"negative_pid",
                  "cases:\n  - name: a\n    events:\n      - {type: procexit, proc: {pid: -4}}\n    expect: []\n",
                  "TH-E-TEST-EVENT", 4, 38, "positive pid"},
        ErrorCase{"process_without_pid",
                  "processes: [{exepath: /x}]\ncases: [{name: a, events: [{type: procexit}], expect: []}]\n",
                  "TH-E-TEST-PROCESS", 1, 13, "positive pid"},
        ErrorCase{"process_unknown_key",
                  "processes: [{pid: 3, tid: 4}]\ncases: [{name: a, events: [{type: procexit}], expect: []}]\n",
                  "TH-E-TEST-PROCESS", 1, 27, "unknown key 'tid'"},
        ErrorCase{"expectation_without_rule",
                  "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: [{priority: ERROR}]\n",
                  "TH-E-TEST-MISSING", 4, 14, "needs a 'rule'"},
        ErrorCase{"bad_priority",
                  "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: [{rule: R, priority: LOUD}]\n",
                  "TH-E-TEST-TYPE", 4, 34, "invalid priority"},
        ErrorCase{"negative_count",
                  "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: [{rule: R, alerts: -1}]\n",
                  "TH-E-TEST-TYPE", 4, 32, "whole number"},
        ErrorCase{"unknown_expect_key",
                  "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: [{rule: R, count: 1}]\n",
                  "TH-E-TEST-KEY", 4, 24, "unknown key 'count'"},
        ErrorCase{"duplicate_expectation",
                  "cases:\n  - name: a\n    events: [{type: procexit}]\n    expect: [{rule: R}, {rule: R}]\n",
                  "TH-E-TEST-DUPLICATE", 4, 32, "expected twice"},
        ErrorCase{"duplicate_key",
                  "cases:\n  - name: a\n    name: b\n    events: [{type: procexit}]\n    expect: []\n",
                  "TH-E-TEST-KEY", 3, 5, "appears twice"}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return std::string(i.param.name); });

TEST(TestParser, AFileWithAnErrorStillYieldsItsGoodCases) {
  Diagnostics d;
  TestFile f = parse(R"(cases:
  - {name: good, events: [{type: procexit}], expect: []}
  - {name: bad, events: [{type: nope}], expect: []}
)", d);
  EXPECT_TRUE(d.has_errors());
  ASSERT_EQ(f.cases.size(), 1u);
  EXPECT_EQ(f.cases[0].name, "good");
}

TEST(TestParser, UnreadableFileIsAnError) {
  Diagnostics d;
  parse_test_file("/nonexistent/t.yaml", d);
  ASSERT_TRUE(d.has_errors());
  EXPECT_EQ(d.items()[0].code, "TH-E-FILE");
}

TEST(TestPaths, FoldersAreSearchedRecursivelyInNameOrder) {
  Diagnostics d;
  auto files = expand_test_paths({std::string(TH_SOURCE_DIR) + "/rules/tests"}, d);
  EXPECT_FALSE(d.has_errors()) << format_diagnostics_text(d);
  ASSERT_GE(files.size(), 5u);
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  Diagnostics d2;
  expand_test_paths({"/nonexistent-folder"}, d2);
  EXPECT_TRUE(d2.has_errors());
}

TEST(Durations, ParseLikeTheConfigFile) {
  EXPECT_EQ(parse_duration_ns("60s"), 60'000'000'000u);
  EXPECT_EQ(parse_duration_ns("500ms"), 500'000'000u);
  EXPECT_EQ(parse_duration_ns("2m"), 120'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1h"), 3'600'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1.5"), 1'500'000'000u);
  EXPECT_FALSE(parse_duration_ns("s"));
  EXPECT_FALSE(parse_duration_ns("5 days"));
  EXPECT_FALSE(parse_duration_ns(""));
}

}  // namespace
}  // namespace th::ruletest
