// A live `tracehound run` with the default ruleset for each test, and the alert lookups the
// red-team suites share.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "live_harness.h"

namespace e2e {

class DefaultRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    E2E_REQUIRE_LIVE();
    th_ = std::make_unique<Tracehound>(Tracehound::Options{});  // the default ruleset
    ASSERT_TRUE(th_->ready()) << th_->log();
  }
  void TearDown() override {
    if (!th_) return;
    int rc = th_->stop();
    EXPECT_EQ(rc, 0) << th_->log();
  }

  // The alert of `rule` for actor `pid` (and `target` unless 0) that also satisfies `extra`.
  std::optional<json> find(const std::string& rule, int64_t pid, int64_t target,
                           const std::function<bool(const json&)>& extra = nullptr) {
    return th_->wait_for([&](const json& a) {
      return a["rule"] == rule && field_int(a, "proc.pid") == pid &&
             (target == 0 || field_int(a, "target.pid") == target) && (!extra || extra(a));
    });
  }

  std::string dump_alerts() {
    std::string s;
    for (const auto& a : th_->alerts())
      s += a["priority"].get<std::string>() + " " + a["rule"].get<std::string>() + " pid=" +
           std::to_string(field_int(a, "proc.pid")) + "\n";
    return s;
  }

  std::unique_ptr<Tracehound> th_;
};

}  // namespace e2e
