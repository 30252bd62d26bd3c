// Running rule tests: each case gets a fresh process table (nothing of this host's /proc), a fresh
// Detector with the case's folding options, and a sink that records every alert. The recorded
// alerts are then compared with the case's expectations.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/alert.h"
#include "engine/rules/ruleset.h"
#include "engine/ruletest/test_file.h"

namespace th::ruletest {

// What one rule did in a case.
struct RuleOutcome {
  Priority priority = Priority::warning;
  uint64_t alerts = 0;     // first alerts
  uint64_t summaries = 0;  // session summaries
  uint64_t folded = 0;     // matches folded into those summaries
};

struct CaseResult {
  bool passed = true;
  std::vector<Alert> alerts;                 // everything the detector emitted, in order
  std::map<std::string, RuleOutcome> fired;  // by rule name
  std::vector<std::string> problems;         // one line per difference (for the report)
};

// Runs a case against `rules` and compares. Never throws for bad test content.
CaseResult run_case(const TestCase& c, const std::shared_ptr<const Ruleset>& rules);

// "file:line: case 'name': expected [A (CRITICAL)] got [A (WARNING)]" and one indented line per
// difference.
std::string format_failure(const TestFile& f, const TestCase& c, const CaseResult& r);

}  // namespace th::ruletest
