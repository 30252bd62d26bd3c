// tracehound test [--rules R]... TESTS...: runs rule tests without a kernel or root (see
// engine/ruletest and rules/README.md). Prints each failing case with its file:line and the
// difference, then "N passed, N failed". Exit 0 when all pass, 1 on a failed case or rules that do
// not load, 2 when a test file cannot be read or is invalid (the command's own input, as a flag).
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/rules/loader.h"
#include "engine/ruletest/runner.h"

namespace th::cli {

namespace {

struct TestOptions {
  std::vector<std::string> rules;
  std::vector<std::string> tests;
  bool verbose = false;
};

int run_tests(const TestOptions& o) {
  std::vector<std::string> rule_paths = o.rules;
  if (rule_paths.empty()) rule_paths.push_back(default_rules_dir());
  LoadResult rules = load_rules(rule_paths);
  if (print_diagnostics(rules.diags) || !rules.ruleset) {
    std::cerr << "tracehound test: the rules do not load; no test was run\n";
    return 1;
  }

  Diagnostics d;
  std::vector<std::string> files = ruletest::expand_test_paths(o.tests, d);
  std::vector<ruletest::TestFile> parsed;
  for (const auto& f : files) parsed.push_back(ruletest::parse_test_file(f, d));
  d.attach_snippets();
  bool invalid = d.has_errors();
  print_diagnostics(d);

  uint64_t passed = 0, failed = 0;
  for (const auto& file : parsed) {
    for (const auto& c : file.cases) {
      ruletest::CaseResult r = ruletest::run_case(c, rules.ruleset);
      if (r.passed) {
        ++passed;
        if (o.verbose) std::cout << file.path << ":" << c.pos.line << ": ok: " << c.name << "\n";
      } else {
        ++failed;
        std::cout << ruletest::format_failure(file, c, r);
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  if (invalid) return 2;
  return failed > 0 ? 1 : 0;
}

}  // namespace

Runner add_test(CLI::App& app) {
  auto* cmd = app.add_subcommand("test", "Run rule tests (no kernel, no root needed)");
  auto opts = std::make_shared<TestOptions>();
  cmd->add_option("-r,--rules", opts->rules,
                  "Rules file or folder, repeatable, loaded in order (default: the built-in "
                  "ruleset)")
      ->allow_extra_args(false);  // one path per --rules: `--rules R TESTS...` keeps TESTS apart
  cmd->add_option("tests", opts->tests, "Rule-test files or folders (searched recursively)")
      ->required();
  cmd->add_flag("-v,--verbose", opts->verbose, "Also list the cases that pass");
  return [opts]() { return run_tests(*opts); };
}

}  // namespace th::cli
