// EventGuard: an exception out of event handling is counted, logged and alerted (at most once
// per kAlertEveryNs, with how many were held back), and never reaches the caller.
#include "engine/cli/event_guard.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "engine/metrics/metrics.h"

namespace th::cli {
namespace {

struct Collect : AlertSink {
  std::vector<Alert> alerts;
  void emit(const Alert& a) override { alerts.push_back(a); }
};

double errors_metric() {
  return Metrics::global().counter("tracehound_event_errors_total", "").value();
}

constexpr uint64_t kSecond = 1'000'000'000ull;

TEST(EventGuard, HandlingThatReturnsIsNotAnError) {
  Collect sink;
  EventGuard g(&sink, "h");
  int ran = 0;
  EXPECT_TRUE(g.run([&] { ++ran; }, kSecond));
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(g.errors(), 0u);
  EXPECT_TRUE(sink.alerts.empty());
}

TEST(EventGuard, AnExceptionIsCountedAlertedAndDoesNotEscape) {
  Collect sink;
  EventGuard g(&sink, "node-1");
  double before = errors_metric();
  EXPECT_FALSE(g.run([] { throw std::out_of_range("map::at"); }, 5 * kSecond));
  EXPECT_EQ(g.errors(), 1u);
  EXPECT_EQ(errors_metric() - before, 1.0);
  ASSERT_EQ(sink.alerts.size(), 1u);
  const Alert& a = sink.alerts[0];
  EXPECT_EQ(a.rule, "tracehound internal: event handling error");
  EXPECT_EQ(a.priority, Priority::error);
  EXPECT_EQ(a.hostname, "node-1");
  EXPECT_NE(a.output.find("map::at"), std::string::npos) << a.output;
}

TEST(EventGuard, ExceptionsOfAnyTypeAreCaught) {
  EventGuard g(nullptr, "h");  // capture: no outputs, counted and logged only
  EXPECT_FALSE(g.run([] { throw 42; }, kSecond));
  EXPECT_EQ(g.errors(), 1u);
}

// A record that fails every time gives one alert per period, saying how many it stands for.
TEST(EventGuard, RepeatedErrorsAreAlertedOncePerPeriodWithTheirCount) {
  Collect sink;
  EventGuard g(&sink, "h");
  auto fail = [] { throw std::runtime_error("bad"); };
  uint64_t t = 100 * kSecond;
  for (int i = 0; i < 50; ++i) g.run(fail, t + i * 1'000'000ull);  // 50 in 50 ms
  EXPECT_EQ(g.errors(), 50u);
  ASSERT_EQ(sink.alerts.size(), 1u);
  g.run(fail, t + EventGuard::kAlertEveryNs);
  ASSERT_EQ(sink.alerts.size(), 2u);
  EXPECT_NE(sink.alerts[1].output.find("(50 so far since the last report)"), std::string::npos)
      << sink.alerts[1].output;
}

}  // namespace
}  // namespace th::cli
