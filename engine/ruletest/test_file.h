// Rule-test files (`tracehound test`), read into plain structs. The format is documented in
// rules/README.md and by schema/rule-tests.schema.json:
//
//   processes:                     # optional: processes every case knows, by pid
//     - {pid: 300, exepath: /usr/sbin/sshd}
//   cases:
//     - name: poke by an unknown binary
//       fold: false                # optional: alert on every match (default: folding on)
//       fold_window: 60s           # optional: the folding window (default 60s)
//       exact: true                # optional: fail on alerts of rules not listed (default)
//       processes: [...]           # optional: more processes, over the file's (same pid wins)
//       events:                    # replay-format events; omitted fields get defaults
//         - {type: ptrace, ptrace: {request: PTRACE_POKETEXT, pid: 300}}
//       expect:                    # which rules fire; [] when none may
//         - rule: Ptrace write into non-descendant process
//           priority: CRITICAL
//           alerts: 1              # optional: exact number of first alerts
//           summaries: 0           # optional: exact number of session summaries
//           folded: 0              # optional: matches folded into summaries, in total
//           output_contains: [tracer_exepath=/usr/bin/test-proc]   # optional
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/diagnostics.h"
#include "engine/core/priority.h"
#include "engine/io/event_json.h"

namespace th::ruletest {

struct Expectation {
  std::string rule;
  std::optional<Priority> priority;
  std::optional<uint64_t> alerts;     // first alerts (not summaries)
  std::optional<uint64_t> summaries;  // session summaries
  std::optional<uint64_t> folded;     // folded matches, summed over the summaries
  std::vector<std::string> output_contains;  // each must be in some first alert's output
  SourcePos pos;
};

struct TestCase {
  std::string name;
  SourcePos pos;  // the case's `- name:` item
  std::optional<bool> fold;
  std::optional<uint64_t> fold_window_ns;
  bool exact = true;
  std::vector<Process> processes;   // known before the first event (file's and case's)
  std::vector<EventRecord> events;  // built, in order
  std::vector<SourcePos> event_pos;  // where each event is written
  std::vector<Expectation> expect;
};

struct TestFile {
  std::string path;
  std::vector<TestCase> cases;
};

// Parses one test file. Problems are appended to `d` with file:line:col; cases with problems are
// left out of the result, so a file is usable only when `d` gained no errors.
TestFile parse_test_yaml(const std::string& path, const std::string& content, Diagnostics& d);
TestFile parse_test_file(const std::string& path, Diagnostics& d);

// Files and folders (searched recursively for *.yaml and *.yml, sorted) into test files.
std::vector<std::string> expand_test_paths(const std::vector<std::string>& paths, Diagnostics& d);

// "60s", "500ms", "2m", "1h", or a bare number of seconds; nullopt when malformed.
std::optional<uint64_t> parse_duration_ns(std::string_view text);

}  // namespace th::ruletest
