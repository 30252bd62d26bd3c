// SessionFolder: one alert per (rule, tracer, target) session, summaries when sessions close.
#include "engine/fold/session_folder.h"

#include <gtest/gtest.h>

#include "engine/core/ptrace_request.h"
#include "engine/metrics/metrics.h"

namespace th {
namespace {

constexpr uint64_t kT0 = 1'767'225'600'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

Event ptrace_event(int32_t tracer, int32_t target, const char* request, uint64_t ts,
                   int64_t res = 0) {
  Event e;
  e.type = EvtType::ptrace;
  e.ts_ns = ts;
  e.res = res;
  e.actor.pid = e.actor.tid = tracer;
  e.target_pid = e.target_tid = target;
  e.request = *ptrace_request_from_name(request);
  return e;
}

Event exit_event(int32_t pid, uint64_t ts) {
  Event e;
  e.type = EvtType::procexit;
  e.ts_ns = ts;
  e.actor.pid = e.actor.tid = pid;
  return e;
}

Alert alert_for(const std::string& rule, const Event& e, Priority p = Priority::critical) {
  Alert a;
  a.rule = rule;
  a.priority = p;
  a.time_ns = e.ts_ns;
  a.tags = {"T1055.008"};
  a.output = format_evt_time(e.ts_ns) + ": " + std::string(priority_name(p)) +
             " Write into pid " + std::to_string(e.target_pid);
  a.output_fields["target.pid"] = e.target_pid;
  return a;
}

class SessionFolderTest : public ::testing::Test {
 protected:
  FoldOptions opts(uint64_t window = 60 * kSec, std::size_t max = 16384, bool enabled = true) {
    FoldOptions o;
    o.enabled = enabled;
    o.window_ns = window;
    o.max_sessions = max;
    o.metrics = &metrics_;
    return o;
  }
  // Feeds a match; returns whether the alert goes out now.
  bool match(SessionFolder& f, const std::string& rule, const Event& e, bool fold = true) {
    if (f.try_fold(rule, fold, e, out_)) return false;
    if (Alert* first = f.open(rule, fold, e, out_)) *first = alert_for(rule, e);
    return true;
  }
  double folded_metric(const std::string& rule) {
    return metrics_.value("tracehound_folded_matches_total", {{"rule", rule}});
  }
  double summaries_metric(const std::string& reason) {
    return metrics_.value("tracehound_fold_summaries_total", {{"reason", reason}});
  }

  Metrics metrics_;
  std::vector<Alert> out_;
};

TEST_F(SessionFolderTest, FirstMatchAlertsAtOnceAndLaterOnesFold) {
  SessionFolder f(opts());
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0)));
  for (int i = 1; i <= 4; ++i)
    EXPECT_FALSE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + i)));
  EXPECT_TRUE(out_.empty());  // nothing closed yet
  EXPECT_EQ(f.open_sessions(), 1u);
  EXPECT_EQ(folded_metric("W"), 4);
}

TEST_F(SessionFolderTest, SummaryCarriesCountsRequestsAndTheFirstAlert) {
  SessionFolder f(opts());
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 10));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKEDATA", kT0 + 20));
  match(f, "W", ptrace_event(100, 300, "PTRACE_SETREGS", kT0 + 30));
  f.flush(out_);
  ASSERT_EQ(out_.size(), 1u);
  const Alert& s = out_[0];
  EXPECT_EQ(s.rule, "W");
  EXPECT_EQ(s.priority, Priority::critical);
  EXPECT_EQ(s.tags, std::vector<std::string>{"T1055.008"});
  EXPECT_EQ(s.time_ns, kT0 + 30);  // the last folded match
  EXPECT_EQ(s.output_fields["tracehound.summary"], true);
  EXPECT_EQ(s.output_fields["tracehound.folded"], 3);
  EXPECT_EQ(s.output_fields["tracehound.matches"], 4);
  EXPECT_EQ(s.output_fields["tracehound.requests"]["PTRACE_POKETEXT"], 2);
  EXPECT_EQ(s.output_fields["tracehound.requests"]["PTRACE_POKEDATA"], 1);
  EXPECT_EQ(s.output_fields["tracehound.requests"]["PTRACE_SETREGS"], 1);
  EXPECT_EQ(s.output_fields["tracehound.close_reason"], "shutdown");
  EXPECT_EQ(s.output_fields["tracehound.session_start"], format_rfc3339_ns(kT0));
  EXPECT_EQ(s.output_fields["tracehound.session_end"], format_rfc3339_ns(kT0 + 30));
  EXPECT_EQ(s.output_fields["target.pid"], 300);  // the first alert's fields are kept
  // The text: time and priority prefix, what was folded, then the rule's own output.
  EXPECT_EQ(s.output.rfind(format_evt_time(kT0 + 30) + ": Critical Session summary (shutdown): 3 ", 0),
            0u)
      << s.output;
  EXPECT_NE(s.output.find("PTRACE_POKETEXT x2"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("| Write into pid 300"), std::string::npos) << s.output;
  EXPECT_EQ(summaries_metric("shutdown"), 1);
}

TEST_F(SessionFolderTest, SessionWithoutFoldedMatchesEndsWithoutSummary) {
  SessionFolder f(opts());
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0));
  f.on_event(ptrace_event(100, 300, "PTRACE_DETACH", kT0 + 1), out_);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(f.open_sessions(), 0u);
}

TEST_F(SessionFolderTest, WindowCloseOnTick) {
  SessionFolder f(opts(10 * kSec));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + kSec));
  f.expire(kT0 + 10 * kSec - 1, out_);
  EXPECT_TRUE(out_.empty()) << "closed before the window ended";
  f.expire(kT0 + 10 * kSec, out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].output_fields["tracehound.close_reason"], "window closed");
  EXPECT_EQ(f.open_sessions(), 0u);
  EXPECT_EQ(summaries_metric("window"), 1);
}

TEST_F(SessionFolderTest, MatchAfterTheWindowStartsANewSession) {
  SessionFolder f(opts(10 * kSec));
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0)));
  EXPECT_FALSE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 9 * kSec)));
  // The window is fixed from the first match: a steady stream still alerts once per window.
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 10 * kSec)));
  ASSERT_EQ(out_.size(), 1u);  // the old session's summary, before the new alert
  EXPECT_EQ(out_[0].output_fields["tracehound.folded"], 1);
  EXPECT_EQ(f.open_sessions(), 1u);
}

TEST_F(SessionFolderTest, DetachByTheTracerClosesItsSessionsWithTheTarget) {
  SessionFolder f(opts());
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 1));
  match(f, "A", ptrace_event(100, 300, "PTRACE_ATTACH", kT0 + 2));
  match(f, "A", ptrace_event(100, 300, "PTRACE_ATTACH", kT0 + 3));
  match(f, "W", ptrace_event(100, 301, "PTRACE_POKETEXT", kT0 + 4));  // another target
  match(f, "W", ptrace_event(100, 301, "PTRACE_POKETEXT", kT0 + 5));

  struct NoClose {
    const char* what;
    Event e;
  };
  for (const auto& c : {NoClose{"failed detach", ptrace_event(100, 300, "PTRACE_DETACH", kT0 + 6, -3)},
                        NoClose{"another tracer", ptrace_event(101, 300, "PTRACE_DETACH", kT0 + 6)},
                        NoClose{"not a detach", ptrace_event(100, 300, "PTRACE_CONT", kT0 + 6)}}) {
    f.on_event(c.e, out_);
    EXPECT_TRUE(out_.empty()) << c.what;
  }
  f.on_event(ptrace_event(100, 300, "PTRACE_DETACH", kT0 + 7), out_);
  ASSERT_EQ(out_.size(), 2u);  // W and A for target 300
  for (const auto& a : out_) {
    EXPECT_EQ(a.output_fields["tracehound.close_reason"], "tracer detached");
    EXPECT_EQ(a.output_fields["target.pid"], 300);
  }
  EXPECT_EQ(f.open_sessions(), 1u);  // target 301 is still open
  EXPECT_EQ(summaries_metric("detach"), 2);
}

TEST_F(SessionFolderTest, ExitOfTracerOrTargetClosesTheSession) {
  struct Case {
    const char* name;
    int32_t exiting;
    bool closes;
  };
  for (const auto& c : {Case{"tracer exits", 100, true}, Case{"target exits", 300, true},
                        Case{"unrelated process exits", 555, false}}) {
    SessionFolder f(opts());
    out_.clear();
    match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0));
    match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 1));
    f.on_event(exit_event(c.exiting, kT0 + 2), out_);
    EXPECT_EQ(out_.size(), c.closes ? 1u : 0u) << c.name;
    EXPECT_EQ(f.open_sessions(), c.closes ? 0u : 1u) << c.name;
    if (c.closes) {
      EXPECT_EQ(out_[0].output_fields["tracehound.close_reason"], "process exited");
    }
  }
}

TEST_F(SessionFolderTest, EventsWithoutTargetAreKeyedByTheProcess) {
  SessionFolder f(opts());
  Event traceme = ptrace_event(100, 0, "PTRACE_TRACEME", kT0);
  EXPECT_TRUE(match(f, "T", traceme));
  traceme.ts_ns += 1;
  EXPECT_FALSE(match(f, "T", traceme));
  Event other = ptrace_event(101, 0, "PTRACE_TRACEME", kT0 + 2);
  EXPECT_TRUE(match(f, "T", other));
  f.on_event(exit_event(100, kT0 + 3), out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].output_fields["tracehound.folded"], 1);
}

TEST_F(SessionFolderTest, SessionsAreKeyedByRuleTracerAndTarget) {
  SessionFolder f(opts());
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0)));
  EXPECT_TRUE(match(f, "X", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0)));
  EXPECT_TRUE(match(f, "W", ptrace_event(101, 300, "PTRACE_POKETEXT", kT0)));
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 301, "PTRACE_POKETEXT", kT0)));
  EXPECT_FALSE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 1)));
  EXPECT_EQ(f.open_sessions(), 4u);
}

TEST_F(SessionFolderTest, FullTableClosesTheOldestSessionWithItsSummary) {
  SessionFolder f(opts(60 * kSec, 2));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0));
  match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 1));
  match(f, "W", ptrace_event(100, 301, "PTRACE_POKETEXT", kT0 + 2));
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 302, "PTRACE_POKETEXT", kT0 + 3)));
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].output_fields["target.pid"], 300);
  EXPECT_EQ(out_[0].output_fields["tracehound.close_reason"], "session table full");
  EXPECT_EQ(f.open_sessions(), 2u);
  EXPECT_EQ(summaries_metric("table_full"), 1);
  // The evicted pair starts over with a new alert.
  EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + 4)));
}

TEST_F(SessionFolderTest, RuleThatDoesNotFoldAlertsEveryTime) {
  SessionFolder f(opts());
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + i), false));
  EXPECT_EQ(f.open_sessions(), 0u);
  f.flush(out_);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(folded_metric("W"), 0);
}

TEST_F(SessionFolderTest, GlobalSwitchOffAlertsEveryTime) {
  SessionFolder f(opts(60 * kSec, 16384, /*enabled=*/false));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + i)));
  EXPECT_EQ(f.open_sessions(), 0u);
}

TEST_F(SessionFolderTest, FlushClosesEverySessionInOrderOfCreation) {
  SessionFolder f(opts());
  for (int32_t target : {305, 301, 303}) {
    match(f, "W", ptrace_event(100, target, "PTRACE_POKETEXT", kT0));
    match(f, "W", ptrace_event(100, target, "PTRACE_POKETEXT", kT0 + 1));
  }
  f.flush(out_);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].output_fields["target.pid"], 305);
  EXPECT_EQ(out_[1].output_fields["target.pid"], 301);
  EXPECT_EQ(out_[2].output_fields["target.pid"], 303);
  EXPECT_EQ(f.open_sessions(), 0u);
}

TEST_F(SessionFolderTest, FoldedMetricCountsEveryFoldedMatchByRule) {
  SessionFolder f(opts());
  for (int i = 0; i < 1000; ++i) match(f, "W", ptrace_event(100, 300, "PTRACE_POKETEXT", kT0 + i));
  for (int i = 0; i < 10; ++i) match(f, "A", ptrace_event(100, 300, "PTRACE_ATTACH", kT0 + i));
  EXPECT_EQ(folded_metric("W"), 999);
  EXPECT_EQ(folded_metric("A"), 9);
  f.flush(out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].output_fields["tracehound.folded"], 999);
}

TEST_F(SessionFolderTest, CloseReasonsHaveLabelsAndTexts) {
  for (auto r : {CloseReason::window, CloseReason::detach, CloseReason::exit,
                 CloseReason::table_full, CloseReason::shutdown}) {
    EXPECT_FALSE(close_reason_label(r).empty());
    EXPECT_EQ(close_reason_label(r).find(' '), std::string_view::npos);  // a metric label
    EXPECT_FALSE(close_reason_text(r).empty());
  }
}

}  // namespace
}  // namespace th
