// The detector over the default ruleset: folding and rate limits decided before rendering, the
// bound on what one user's flood delivers, and nothing hidden (summaries carry the counts).
#include "engine/detect/detector.h"

#include <gtest/gtest.h>

#include "detect_support.h"
#include "engine/core/ptrace_request.h"
#include "engine/metrics/metrics.h"

namespace th {
namespace {

using namespace th::testing;

constexpr const char* kFileless = "Fileless execution from memfd";
constexpr const char* kPtraceWrite = "Ptrace write into non-descendant process";
constexpr uint32_t kNobody = 65534;

class DetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(default_rules());
    table_.upsert(host_process(1, 0, 0, "/usr/lib/systemd/systemd"));
    table_.upsert(host_process(800, 1, 0, "/tmp/.x/inject"));
    table_.upsert(host_process(900, 1, 0, "/usr/bin/sleep"));
  }
  std::unique_ptr<Detector> detector(RateLimitOptions rl) {
    DetectorOptions o;
    o.hostname = "test";
    o.rate_limit = rl;
    return std::make_unique<Detector>(default_rules(), table_, sink_, o);
  }
  std::vector<Alert> of_rule(const std::string& rule) const {
    std::vector<Alert> out;
    for (const auto& a : sink_.alerts)
      if (a.rule == rule) out.push_back(a);
    return out;
  }
  static bool is_summary(const Alert& a, const char* kind) {
    auto it = a.output_fields.find("tracehound.summary_kind");
    return it != a.output_fields.end() && *it == kind;
  }

  ProcessTable table_{ProcessTableOptions{.proc_root = "", .passwd_path = ""}};
  CollectingSink sink_;
};

TEST_F(DetectorTest, AlertsOfKillRulesSayTheActionAndTheEnforcementMode) {
  DetectorOptions o;
  o.hostname = "test";
  o.enforcement_mode = "dry_run";
  Detector det(default_rules(), table_, sink_, o);
  Event attach = ptrace_request(800, 900, *ptrace_request_from_name("PTRACE_ATTACH"), 0, kT0);
  Event poke = ptrace_request(800, 900, *ptrace_request_from_name("PTRACE_POKETEXT"), 0, kT0 + 1);
  det.process(attach);
  det.process(poke);
  auto writes = of_rule(kPtraceWrite);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].output_fields["enforcement.action"], "kill");
  EXPECT_EQ(writes[0].output_fields["enforcement.mode"], "dry_run");
  Event exec = memfd_exec(10000, kNobody, "loop", kT0 + 2);
  det.process(exec);
  auto fileless = of_rule(kFileless);
  ASSERT_EQ(fileless.size(), 1u);
  EXPECT_FALSE(fileless[0].output_fields.contains("enforcement.action")) << "an alert-only rule";
}

TEST_F(DetectorTest, MemfdExecFloodIsBoundedAndCountedInASummary) {
  RateLimitOptions rl;
  rl.enabled = true;
  rl.burst = 5;
  rl.summary_interval_ns = 10 * kSec;
  auto det = detector(rl);
  const int kExecs = 2000;  // one user, one binary, 2,000 execs a second
  for (int i = 0; i < kExecs; ++i) {
    Event e = memfd_exec(10000 + i, kNobody, "loop", kT0 + i * 500'000ull);
    det->process(e);
  }
  // A root injection during the flood is alerted at once.
  Event attach = ptrace_request(800, 900, *ptrace_request_from_name("PTRACE_ATTACH"), 0, kT0 + kSec / 2);
  Event poke = ptrace_request(800, 900, *ptrace_request_from_name("PTRACE_POKETEXT"), 0, kT0 + kSec / 2 + 1);
  det->process(attach);
  det->process(poke);
  EXPECT_EQ(of_rule(kPtraceWrite).size(), 1u);

  auto flood = of_rule(kFileless);
  ASSERT_EQ(flood.size(), 5u) << "the burst only";
  det->tick(kT0 + 11 * kSec);
  flood = of_rule(kFileless);
  ASSERT_EQ(flood.size(), 6u);
  const Alert& s = flood.back();
  ASSERT_TRUE(is_summary(s, "rate_limit")) << s.output;
  EXPECT_EQ(s.output_fields["tracehound.rate_limited"], kExecs - 5);
  EXPECT_EQ(s.output_fields["tracehound.binaries"]["/memfd:loop (deleted)"], kExecs - 5);
  EXPECT_EQ(s.output_fields["tracehound.user_uid"], kNobody);
  EXPECT_EQ(s.priority, Priority::critical);
  EXPECT_NE(s.output.find("Fileless execution from memfd (/memfd:loop (deleted))"),
            std::string::npos)
      << "the first held-back alert, rendered: " << s.output;
  EXPECT_GE(Metrics::global().value("tracehound_alerts_suppressed_total", {{"rule", kFileless}}),
            kExecs - 5);
}

TEST_F(DetectorTest, NewMemfdNamesDoNotEscapeTheUsersBudget) {
  RateLimitOptions rl;
  rl.enabled = true;
  rl.user_burst = 32 << 10;
  rl.user_budget = 4096;  // a day: next to nothing refills in the 2.5 s of the flood
  auto det = detector(rl);
  const int kExecs = 5000;
  for (int i = 0; i < kExecs; ++i) {
    Event e = memfd_exec(10000 + i, kNobody, numbered("n", i), kT0 + i * 500'000ull);
    det->process(e);
  }
  det->finish();
  uint64_t bytes = 0, largest = 0, let_through = 0, held = 0;
  for (const auto& a : of_rule(kFileless)) {
    uint64_t n = alert_to_json(a).size() + 1;
    if (is_summary(a, "rate_limit")) {
      held += a.output_fields["tracehound.rate_limited"].get<uint64_t>();
      continue;  // the final flush
    }
    bytes += n;
    largest = std::max(largest, n);
    ++let_through;
  }
  EXPECT_EQ(let_through + held, static_cast<uint64_t>(kExecs)) << "nothing hidden";
  EXPECT_LE(bytes, rl.user_burst + largest) << let_through << " alerts let through";
}

TEST_F(DetectorTest, FoldedMatchesAreNotRendered) {
  // Folding decides from the rule, the session key and the event: 1,000 pokes of one session
  // make one alert and one summary; the summary repeats the first alert's output.
  auto det = detector(RateLimitOptions{});
  int64_t poke = *ptrace_request_from_name("PTRACE_POKETEXT");
  for (int i = 0; i < 1000; ++i) {
    Event e = ptrace_request(800, 900, poke, 0, kT0 + i);
    det->process(e);
  }
  det->finish();
  auto alerts = of_rule(kPtraceWrite);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_FALSE(is_summary(alerts[0], "session"));
  ASSERT_TRUE(is_summary(alerts[1], "session"));
  EXPECT_EQ(alerts[1].output_fields["tracehound.folded"], 999);
  EXPECT_NE(alerts[1].output.find(std::string(alert_body(alerts[0]))), std::string::npos);
}

TEST_F(DetectorTest, OutputIsTrimmedAsFalcoTrimsIt) {
  auto det = detector(RateLimitOptions{});
  Event e = memfd_exec(10000, kNobody, "trim", kT0);
  det->process(e);
  auto alerts = of_rule(kFileless);
  ASSERT_EQ(alerts.size(), 1u);
  const std::string& out = alerts[0].output;
  ASSERT_FALSE(out.empty());
  EXPECT_NE(out.back(), '\n') << "a folded `>` scalar ends in a newline that Falco trims";
  EXPECT_FALSE(std::isspace(static_cast<unsigned char>(out.back())));
  EXPECT_EQ(out.rfind(alert_prefix(kT0, Priority::critical) + "Fileless execution", 0), 0u) << out;
}

}  // namespace
}  // namespace th
