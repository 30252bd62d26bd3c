// RateLimiter: per (rule, binary, user) buckets, per-user byte budgets, summaries with counts.
#include "engine/fold/rate_limiter.h"

#include <gtest/gtest.h>

#include "engine/metrics/metrics.h"

namespace th {
namespace {

constexpr uint64_t kT0 = 1'767'225'600'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimitOptions opts(uint32_t burst = 3, uint64_t interval = 60 * kSec) {
    RateLimitOptions o;
    o.enabled = true;
    o.burst = burst;
    o.interval_ns = interval;
    o.summary_interval_ns = 10 * kSec;
    o.metrics = &metrics_;
    return o;
  }
  Alert alert(const std::string& rule, const std::string& binary, uint32_t uid, uint64_t ts,
              std::size_t pad = 0) {
    Alert a;
    a.rule = rule;
    a.priority = Priority::critical;
    a.time_ns = ts;
    a.uid = uid;
    a.tags = {"T1620"};
    a.output = alert_prefix(ts, a.priority) + "Fileless execution (" + binary + ")" +
               std::string(pad, 'x');
    a.output_fields["proc.exepath"] = binary;
    return a;
  }
  // One match as the detector handles it; returns whether an alert went out.
  bool match(RateLimiter& l, const std::string& rule, const std::string& binary, uint32_t uid,
             uint64_t ts, std::size_t pad = 0) {
    RateVerdict v = l.admit(rule, binary, uid, ts);
    if (v == RateVerdict::suppress) return false;
    Alert a = alert(rule, binary, uid, ts, pad);
    if (v == RateVerdict::sample) {
      l.keep_sample(std::move(a));
      return false;
    }
    l.charge(a);
    emitted_bytes_ += alert_to_json(a).size() + 1;
    return true;
  }
  double suppressed_metric(const std::string& rule) {
    return metrics_.value("tracehound_alerts_suppressed_total", {{"rule", rule}});
  }

  Metrics metrics_;
  std::vector<Alert> out_;
  uint64_t emitted_bytes_ = 0;
};

TEST_F(RateLimiterTest, BurstThenHeldBackPerRuleBinaryAndUser) {
  RateLimiter l(opts(3));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(match(l, "R", "/memfd:a", 1000, kT0 + i)) << i;
  EXPECT_FALSE(match(l, "R", "/memfd:a", 1000, kT0 + 3));
  EXPECT_FALSE(match(l, "R", "/memfd:a", 1000, kT0 + 4));
  // Each of the other key parts has its own bucket.
  EXPECT_TRUE(match(l, "R", "/memfd:b", 1000, kT0 + 5));
  EXPECT_TRUE(match(l, "R", "/memfd:a", 1001, kT0 + 6));
  EXPECT_TRUE(match(l, "S", "/memfd:a", 1000, kT0 + 7));
  EXPECT_EQ(suppressed_metric("R"), 2);
}

TEST_F(RateLimiterTest, BucketRefillsOnePerInterval) {
  RateLimiter l(opts(1, 10 * kSec));
  EXPECT_TRUE(match(l, "R", "/x", 1000, kT0));
  EXPECT_FALSE(match(l, "R", "/x", 1000, kT0 + 9 * kSec));
  EXPECT_TRUE(match(l, "R", "/x", 1000, kT0 + 10 * kSec));
  EXPECT_FALSE(match(l, "R", "/x", 1000, kT0 + 11 * kSec));
}

TEST_F(RateLimiterTest, SummaryCarriesCountsBinariesAndTheFirstHeldBackAlert) {
  RateLimiter l(opts(1));
  EXPECT_TRUE(match(l, "R", "/memfd:a", 1000, kT0));
  EXPECT_EQ(l.admit("R", "/memfd:a", 1000, kT0 + 1), RateVerdict::sample);
  l.keep_sample(alert("R", "/memfd:a", 1000, kT0 + 1));
  EXPECT_EQ(l.admit("R", "/memfd:a", 1000, kT0 + 2), RateVerdict::suppress);
  EXPECT_TRUE(match(l, "R", "/memfd:b", 1000, kT0 + 3));
  EXPECT_FALSE(match(l, "R", "/memfd:b", 1000, kT0 + 4));
  l.expire(kT0 + 1 + 10 * kSec - 1, out_);
  EXPECT_TRUE(out_.empty()) << "due only a summary interval after the first held-back match";
  l.expire(kT0 + 1 + 10 * kSec, out_);
  ASSERT_EQ(out_.size(), 1u);
  const Alert& s = out_[0];
  EXPECT_EQ(s.rule, "R");
  EXPECT_EQ(s.priority, Priority::critical);
  EXPECT_EQ(s.tags, std::vector<std::string>{"T1620"});
  EXPECT_EQ(s.time_ns, kT0 + 4);
  EXPECT_EQ(s.output_fields["tracehound.summary"], true);
  EXPECT_EQ(s.output_fields["tracehound.summary_kind"], "rate_limit");
  EXPECT_EQ(s.output_fields["tracehound.rate_limited"], 3);
  EXPECT_EQ(s.output_fields["tracehound.binaries"]["/memfd:a"], 2);
  EXPECT_EQ(s.output_fields["tracehound.binaries"]["/memfd:b"], 1);
  EXPECT_EQ(s.output_fields["tracehound.other_binaries"], 0);
  EXPECT_EQ(s.output_fields["tracehound.user_uid"], 1000);
  EXPECT_EQ(s.output_fields["tracehound.interval_start"], format_rfc3339_ns(kT0 + 1));
  EXPECT_EQ(s.output_fields["tracehound.interval_end"], format_rfc3339_ns(kT0 + 4));
  EXPECT_EQ(s.output_fields["proc.exepath"], "/memfd:a") << "the sample's fields are kept";
  EXPECT_EQ(s.output.rfind(alert_prefix(kT0 + 4, Priority::critical) + "Rate limit summary: 3 ", 0),
            0u)
      << s.output;
  EXPECT_NE(s.output.find("/memfd:a x2, /memfd:b x1"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("| first held back: Fileless execution (/memfd:a)"), std::string::npos)
      << s.output;
  EXPECT_EQ(metrics_.value("tracehound_rate_limit_summaries_total"), 1);
  // The next held-back match starts a new interval with a new sample.
  EXPECT_EQ(l.admit("R", "/memfd:a", 1000, kT0 + 11 * kSec), RateVerdict::sample);
}

TEST_F(RateLimiterTest, SummaryNamesAFewBinariesAndCountsTheRest) {
  RateLimiter l(opts(1));
  for (int i = 0; i < 20; ++i) {
    std::string bin = "/memfd:n" + std::to_string(i);
    match(l, "R", bin, 1000, kT0 + 2 * i);
    match(l, "R", bin, 1000, kT0 + 2 * i + 1);  // held back
  }
  l.flush(out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].output_fields["tracehound.binaries"].size(), 8u);
  EXPECT_EQ(out_[0].output_fields["tracehound.other_binaries"], 12);
  EXPECT_EQ(out_[0].output_fields["tracehound.rate_limited"], 20);
}

TEST_F(RateLimiterTest, UserBudgetBoundsBytesAcrossBinaries) {
  auto o = opts(10);
  o.user_burst = 64 << 10;
  o.user_budget = 1 << 20;
  RateLimiter l(o);
  // A new binary every time (memfd names are the user's choice): each has a fresh bucket, so
  // only the user's budget holds.
  int let_through = 0;
  for (int i = 0; i < 1000; ++i)
    let_through += match(l, "R", "/memfd:" + std::to_string(i), 1000, kT0 + i, 1000);
  EXPECT_GT(let_through, 0);
  EXPECT_LT(let_through, 1000);
  // The last alert let through may overdraw the budget, by at most its own size.
  EXPECT_LE(emitted_bytes_, o.user_burst + 2000);
  EXPECT_TRUE(match(l, "R", "/memfd:x", 0, kT0 + 2000)) << "another user has its own budget";
}

TEST_F(RateLimiterTest, DueSummaryWaitsForBudgetAndGoesBeforeNewAlerts) {
  auto o = opts(100);
  o.user_burst = 8 << 10;
  o.user_budget = 86400ull * 1024;  // 1 KiB/s
  RateLimiter l(o);
  int n = 0;
  while (match(l, "R", "/bin/x", 1000, kT0 + n, 500)) ++n;  // budget spent
  ASSERT_GT(n, 0);
  l.expire(kT0 + 11 * kSec, out_);  // due, and the budget refilled by ~11 KiB
  ASSERT_EQ(out_.size(), 1u);
  l.charge(out_[0]);
  out_.clear();
  // Overdraw again; the next summary is due while the budget is negative.
  int through = 0;
  for (int i = 0; i < 100; ++i) through += match(l, "R", "/bin/x", 1000, kT0 + 11 * kSec + i, 500);
  l.charge(alert("R", "/bin/x", 1000, kT0 + 12 * kSec, 20000));  // a session summary: debt
  ASSERT_LT(l.user_tokens(1000), 0);
  uint64_t due = kT0 + 22 * kSec;
  l.expire(due, out_);
  EXPECT_TRUE(out_.empty()) << "no budget";
  EXPECT_NE(l.admit("R", "/bin/y", 1000, due + 1), RateVerdict::alert)
      << "a due summary holds back its user's new alerts";
  for (uint64_t t = due; out_.empty() && t < due + 120 * kSec; t += kSec) l.expire(t, out_);
  ASSERT_EQ(out_.size(), 1u) << "the summary goes out once the budget is back";
  EXPECT_EQ(out_[0].output_fields["tracehound.rate_limited"], 100 - through + 1);
}

TEST_F(RateLimiterTest, FlushEmitsEverySummaryBudgetNotwithstanding) {
  auto o = opts(1);
  o.user_burst = 4096;
  RateLimiter l(o);
  for (int i = 0; i < 5; ++i) match(l, "R", "/x", 1000, kT0 + i, 5000);
  for (int i = 0; i < 5; ++i) match(l, "S", "/x", 1000, kT0 + i, 5000);
  l.flush(out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].output_fields["tracehound.rate_limited"], 4);  // the first went out
  EXPECT_EQ(out_[1].output_fields["tracehound.rate_limited"], 5) << "the budget was spent on R";
}

TEST_F(RateLimiterTest, DisabledLetsEverythingThrough) {
  auto o = opts(1);
  o.enabled = false;
  RateLimiter l(o);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(match(l, "R", "/x", 1000, kT0 + i));
  l.flush(out_);
  EXPECT_TRUE(out_.empty());
}

TEST_F(RateLimiterTest, IdleBucketsAreForgottenAndTheTableIsBounded) {
  auto o = opts(2, kSec);
  o.max_buckets = 100;
  RateLimiter l(o);
  for (int i = 0; i < 1000; ++i) match(l, "R", "/b" + std::to_string(i), 1000, kT0 + i);
  EXPECT_LE(l.buckets(), 100u);
  l.expire(kT0 + 60 * kSec, out_);
  EXPECT_EQ(l.buckets(), 0u) << "refilled buckets hold no state";
}

// The documented bound: a sustained worst-case flood by one user for a day (a new memfd name
// every 50 ms, alerts of the largest size the probe's limits allow) delivers at most
// user_burst + user_budget + two alerts (the final flush aside), far below the 256 MiB spool.
TEST_F(RateLimiterTest, OneUserCannotFillTheSpoolInADay) {
  RateLimitOptions o;  // the defaults, as `run` has them
  o.enabled = true;
  o.metrics = &metrics_;
  RateLimiter l(o);
  // Worst case: 2 KiB of argv and 512-byte paths of control bytes, each escaped to 6 bytes in
  // JSON, in the text and again in the fields.
  const std::string hostile(2048 + 3 * 512, '\x01');
  uint64_t bytes = 0, alerts = 0, held = 0, largest = 0;
  uint64_t next_tick = kT0;
  for (uint64_t t = kT0; t < kT0 + 86400 * kSec; t += 50'000'000ull) {
    std::string bin = "/memfd:" + std::to_string(t % 100000);
    RateVerdict v = l.admit("Fileless execution from memfd", bin, 65534, t);
    if (v != RateVerdict::suppress) {
      Alert a = alert("Fileless execution from memfd", bin, 65534, t);
      a.output += hostile;
      a.output_fields["proc.cmdline"] = hostile;
      if (v == RateVerdict::sample) {
        l.keep_sample(std::move(a));
      } else {
        l.charge(a);
        bytes += alert_to_json(a).size() + 1;
        largest = std::max<uint64_t>(largest, alert_to_json(a).size() + 1);
        ++alerts;
      }
    }
    if (t >= next_tick) {
      std::vector<Alert> s;
      l.expire(t, s);
      for (const auto& a : s) {
        l.charge(a);
        bytes += alert_to_json(a).size() + 1;
        largest = std::max<uint64_t>(largest, alert_to_json(a).size() + 1);
        held += a.output_fields["tracehound.rate_limited"].get<uint64_t>();
      }
      next_tick = t + 200'000'000ull;
    }
  }
  std::vector<Alert> s;
  l.flush(s);
  for (const auto& a : s) {
    bytes += alert_to_json(a).size() + 1;
    held += a.output_fields["tracehound.rate_limited"].get<uint64_t>();
  }
  EXPECT_EQ(alerts + held, 1'728'000u) << "every match is alerted or counted in a summary";
  // The last alert and the last summary let through may each overdraw the budget by their size.
  EXPECT_LE(bytes, o.user_burst + o.user_budget + 3 * largest);  // and the final flush
  EXPECT_LT(bytes, 256ull << 20);
  RecordProperty("bytes_per_day", std::to_string(bytes));
  RecordProperty("alerts_let_through", std::to_string(alerts));
  RecordProperty("largest_alert", std::to_string(largest));
}

}  // namespace
}  // namespace th
