// The `rate_limit:` section: values, defaults as the shipped example states them, bad values.
#include <gtest/gtest.h>

#include "engine/config/config.h"

namespace th {
namespace {

using namespace std::chrono_literals;

TEST(RateLimitConfig, ReadsEveryKey) {
  Diagnostics d;
  Config c = parse_config(
      "rate_limit:\n  enabled: false\n  burst: 3\n  interval: 5m\n  user_budget: 16MiB\n"
      "  user_burst: 64KiB\n  summary_interval: 2s\n",
      "cfg.yaml", d);
  ASSERT_TRUE(d.empty()) << format_diagnostics_text(d);
  EXPECT_FALSE(c.rate_limit.enabled);
  EXPECT_EQ(c.rate_limit.burst, 3u);
  EXPECT_EQ(c.rate_limit.interval, 300s);
  EXPECT_EQ(c.rate_limit.user_budget, 16ull << 20);
  EXPECT_EQ(c.rate_limit.user_burst, 64ull << 10);
  EXPECT_EQ(c.rate_limit.summary_interval, 2s);
}

TEST(RateLimitConfig, ShippedExampleStatesTheDefaults) {
  Diagnostics d;
  Config c = load_config_file(std::string(TH_SOURCE_DIR) + "/docker/tracehound.yaml", d);
  ASSERT_TRUE(d.empty()) << format_diagnostics_text(d);
  RateLimitConfig def;
  EXPECT_EQ(c.rate_limit.enabled, def.enabled);
  EXPECT_EQ(c.rate_limit.burst, def.burst);
  EXPECT_EQ(c.rate_limit.interval, def.interval);
  EXPECT_EQ(c.rate_limit.user_budget, def.user_budget);
  EXPECT_EQ(c.rate_limit.user_burst, def.user_burst);
  EXPECT_EQ(c.rate_limit.summary_interval, def.summary_interval);
}

TEST(RateLimitConfig, BadValuesAreErrorsAtTheirPosition) {
  struct Case {
    const char* yaml;
    const char* where;
  };
  for (const auto& c : {Case{"rate_limit:\n  burst: 0\n", "cfg.yaml:2:10"},
                        Case{"rate_limit:\n  interval: soon\n", "cfg.yaml:2:13"},
                        Case{"rate_limit:\n  user_budget: 10\n", "cfg.yaml:2:16"},
                        Case{"rate_limit:\n  bursts: 3\n", "cfg.yaml:2:3"}}) {
    Diagnostics d;
    Config cfg = parse_config(c.yaml, "cfg.yaml", d);
    EXPECT_TRUE(d.has_errors()) << c.yaml;
    EXPECT_NE(format_diagnostics_text(d).find(c.where), std::string::npos)
        << c.yaml << format_diagnostics_text(d);
    EXPECT_EQ(cfg.rate_limit.burst, RateLimitConfig{}.burst) << "a bad value keeps the default";
  }
}

}  // namespace
}  // namespace th
