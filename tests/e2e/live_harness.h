// The end-to-end harness: a real `tracehound run` process with a rule file of the test's own,
// real victims and injectors (tests/attack), and the alerts tracehound prints, as JSON.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/child.h"
#include "support/skip.h"
#include "support/temp.h"

namespace e2e {

using json = nlohmann::json;

// Skips the test with the reason when it cannot run here; under CI=true fails instead, since CI
// must really exercise the kernel side.
#define E2E_REQUIRE_LIVE() TH_REQUIRE_OR_SKIP(::th::test::missing_bpf("an end-to-end test"))

// A child process with stdout (and optionally stderr) captured line by line, killed and reaped
// if still running when destroyed.
using Process = th::test::Child;

// `tracehound run --format json` with the given rules (file paths or YAML text written to a
// temporary file), started and ready ("watching") when the constructor returns.
class Tracehound {
 public:
  struct Options {
    std::vector<std::string> rules_files{};  // empty: the default ruleset
    std::string rules_yaml{};              // written to a temp file and added to rules_files
    bool fold = true;
    std::vector<std::string> extra_args = {};  // more `run` arguments (--config FILE, say)
  };
  explicit Tracehound(Options o);
  ~Tracehound();

  bool ready() const { return ready_; }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }
  std::string log() { return proc_ ? proc_->stderr_text() : final_log_; }

  // Every alert so far (reads what is pending).
  std::vector<json> alerts();
  // The first alert for which `pred` holds, waiting up to `timeout`.
  std::optional<json> wait_for(const std::function<bool(const json&)>& pred,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Lets in-flight events arrive: waits until `settle` passes with no new alert.
  void settle(std::chrono::milliseconds quiet = std::chrono::milliseconds(700));
  // Sends a signal to the tracehound process (SIGHUP: reload rules).
  void signal(int sig) {
    if (proc_) proc_->signal(sig);
  }
  // SIGTERM; returns the exit code.
  int stop();

 private:
  void read_pending(std::chrono::milliseconds timeout);
  std::unique_ptr<Process> proc_;
  std::vector<json> alerts_;
  std::optional<th::test::TempFile> temp_rules_;
  std::string final_log_;
  bool ready_ = false;
};

std::string attack_program(const std::string& name);
std::string tracehound_binary();

// Runs an attack program to completion and returns its JSON report line (its stdout's first
// line); fails the test when it does not exit 0.
json run_attack(const std::vector<std::string>& argv);

// A victim (tests/attack/victim) that is running when the constructor returns.
class Victim {
 public:
  explicit Victim(std::vector<std::string> extra = {});
  ~Victim();
  pid_t pid() const { return pid_; }
  const json& report() const { return report_; }
  // Terminates it; returns its exit code (3 = its memory or code was changed).
  int finish();

 private:
  std::unique_ptr<Process> proc_;
  pid_t pid_ = 0;
  json report_;
};

// Field helpers for alert JSON.
int64_t field_int(const json& alert, const std::string& name);
std::string field_str(const json& alert, const std::string& name);

}  // namespace e2e
