// One probe shared by a test suite (loading takes a moment), watching everything, excluding
// the test process itself.
#pragma once

#include <unistd.h>

#include "live_support.h"

namespace probe_test {

class LiveProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { open_suite_probe({}); }
  // A suite that needs other options declares its own SetUpTestSuite calling this.
  static void open_suite_probe(th::probe::ProbeOptions options) {
    options.ignore_tgid = getpid();
    probe_ = open_probe(options, why_).release();
  }
  static void TearDownTestSuite() {
    delete probe_;
    probe_ = nullptr;
  }
  void SetUp() override {
    if (!probe_) TH_SKIP_OR_FAIL(why_);
    EventLog discard;
    discard.drain(*probe_);  // what happened before this test is not its business
  }
  th::probe::Probe& probe() { return *probe_; }
  ProgramRun run(const std::vector<std::string>& argv) { return run_program(*probe_, log_, argv); }

  EventLog log_;

 private:
  static inline th::probe::Probe* probe_ = nullptr;
  static inline std::string why_;
};

}  // namespace probe_test
