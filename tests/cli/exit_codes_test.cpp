// One exit-code rule for every command (README.md): 0 success; 1 the content judged is wrong
// (rules, event lines, failing rule tests); 2 bad usage (unknown command or flag, a bad flag
// value, a config error, an invalid rule-test file) or infrastructure (an input that cannot be
// opened, an output that cannot be written). Start-up errors name the flag or key and the value.
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

using cli_test::run;
using cli_test::write_file;

const std::string kRules = std::string(TH_SOURCE_DIR) + "/tests/data/falco/falco_ptrace_rules.yaml";
const std::string kRuleTestData = std::string(TH_SOURCE_DIR) + "/tests/ruletest/data/";

struct Case {
  const char* name;
  std::string args;
  int status;
  std::vector<std::string> stderr_has;  // each must appear in stderr (or stdout, for validate)
};

class ExitCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    bad_rules_ = write_file("bad-rules.yaml",
                            "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.nam=x\n"
                            "  output: o\n  priority: WARNING\n");
    good_events_ = write_file("good.jsonl",
        R"({"type":"ptrace","proc":{"pid":7,"name":"x"},"ptrace":{"request":"PTRACE_TRACEME"}})"
        "\n");
    bad_events_ = write_file("bad.jsonl", "{broken\n");
    bad_config_ = write_file("bad-config.yaml", "minimum_prio: warning\n");
    tls_config_ = write_file("tls-config.yaml",
                             "outputs:\n  webhooks:\n    - url: https://127.0.0.1:1/\n"
                             "      tls:\n        ca_file: /nonexistent/ca.pem\n");
  }
  void TearDown() override {
    for (const auto& f : {bad_rules_, good_events_, bad_events_, bad_config_, tls_config_})
      std::remove(f.c_str());
  }
  std::vector<Case> cases() const {
    return {
        {"replay ok", "replay --rules " + kRules + " " + good_events_, 0, {}},
        {"validate ok", "validate " + kRules, 0, {}},
        {"validate bad rules", "validate " + bad_rules_, 1, {"TH-E-UNKNOWN-FIELD"}},
        {"replay bad rules", "replay --rules " + bad_rules_ + " " + good_events_, 1,
         {"TH-E-UNKNOWN-FIELD"}},
        {"replay bad event line", "replay --rules " + kRules + " " + bad_events_, 1,
         {"bad.jsonl:1: error[TH-E-EVENT]"}},
        {"test failing cases",
         "test --rules " + kRuleTestData + "sample_rules.yaml " + kRuleTestData +
             "failing_cases.yaml",
         1, {}},
        {"test bad rules", "test --rules " + bad_rules_ + " " + kRuleTestData + "failing_cases.yaml",
         1, {"the rules do not load"}},
        {"test invalid test file",
         "test --rules " + kRuleTestData + "sample_rules.yaml " + kRuleTestData +
             "invalid_cases.yaml",
         2, {"TH-E-TEST-KEY"}},
        {"unknown command", "frobnicate", 2, {"unknown command 'frobnicate'", "run, replay"}},
        {"unknown flag", "replay --frobnicate x.jsonl", 2, {"--frobnicate"}},
        {"missing argument", "replay", 2, {"events"}},
        {"bad format", "replay --format xml x.jsonl", 2, {"--format", "xml"}},
        {"metrics port too big", "run --metrics-port 99999", 2, {"--metrics-port", "99999"}},
        {"metrics port negative", "run --metrics-port -5", 2, {"--metrics-port", "-5"}},
        {"metrics port not a number", "run --metrics-port http", 2, {"--metrics-port", "http"}},
        {"run negative duration", "run --duration -1", 2, {"--duration", "-1"}},
        {"capture negative duration", "capture -o /tmp/x --duration -1", 2, {"--duration", "-1"}},
        {"bad min priority", "replay --min-priority loud x.jsonl", 2,
         {"--min-priority", "loud"}},
        {"config error", "replay -c " + bad_config_ + " " + good_events_, 2,
         {"bad-config.yaml:1:1: error[TH-C-UNKNOWN-KEY]", "minimum_prio"}},
        {"bad -o key", "replay -o metrics.prot=1 " + good_events_, 2,
         {"-o metrics.prot=1", "unknown key 'prot' in 'metrics' (did you mean 'port'?)"}},
        {"bad -o value", "capture -o /tmp/x --option ring_buffer_size=3000 ", 2,
         {"-o ring_buffer_size=3000", "must be at least 4096 bytes"}},
        {"missing config file", "replay -c /nonexistent/th.yaml " + good_events_, 2,
         {"/nonexistent/th.yaml", "TH-C-IO"}},
        {"run with missing tls.ca_file", "run -c " + tls_config_, 2,
         {"tls-config.yaml:5:18", "tls.ca_file", "/nonexistent/ca.pem", "does not exist"}},
        {"capture config error", "capture -o /tmp/x -c " + bad_config_, 2, {"minimum_prio"}},
        {"replay missing events file", "replay --rules " + kRules + " /nonexistent.jsonl", 2,
         {"/nonexistent.jsonl"}},
        {"capture unwritable output", "capture -o /nonexistent/dir/c.jsonl", 2,
         {"/nonexistent/dir/c.jsonl", "ENOENT"}},
    };
  }

 private:
  std::string bad_rules_, good_events_, bad_events_, bad_config_, tls_config_;
};

TEST_F(ExitCodes, EveryCommandFollowsTheRule) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    auto r = run(c.args);
    EXPECT_EQ(r.status, c.status) << c.args << "\n" << r.err << r.out;
    for (const auto& s : c.stderr_has)
      EXPECT_NE((r.err + r.out).find(s), std::string::npos) << "'" << s << "' in:\n" << r.err;
  }
}

}  // namespace
