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

namespace e2e {

using json = nlohmann::json;

bool in_ci();
// Why live tests cannot run here ("" when they can).
std::string live_precondition_failure();

// Skips the test with the reason when it cannot run here; under CI=true fails instead, since CI
// must really exercise the kernel side.
#define E2E_REQUIRE_LIVE()                                           \
  do {                                                               \
    std::string e2e_why_ = ::e2e::live_precondition_failure();       \
    if (!e2e_why_.empty()) {                                         \
      if (::e2e::in_ci()) FAIL() << "CI=true, cannot skip: " << e2e_why_; \
      GTEST_SKIP() << e2e_why_;                                      \
    }                                                                \
  } while (0)

// A child process with stdout (and optionally stderr) captured line by line.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, bool capture_stderr = false);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // The next stdout line, waiting up to `timeout`.
  std::optional<std::string> line(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Waits for exit (killing after `timeout`); returns the exit code, or -signal.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void signal(int sig);
  std::string stderr_text();

 private:
  void pump(int fd, std::vector<std::string>& lines, std::string& raw);
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> out_lines_, err_lines_;
  std::string err_raw_, out_raw_;
  std::size_t next_out_ = 0;
  std::thread out_thread_, err_thread_;
};

// `tracehound run --format json` with the given rules (file paths or YAML text written to a
// temporary file), started and ready ("watching") when the constructor returns.
class Tracehound {
 public:
  struct Options {
    std::vector<std::string> rules_files;  // empty: the default ruleset
    std::string rules_yaml;                // written to a temp file and added to rules_files
    bool fold = true;
    std::vector<std::string> extra_args = {};  // more `run` arguments (--config FILE, say)
  };
  explicit Tracehound(Options o);
  ~Tracehound();

  bool ready() const { return ready_; }
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
  std::string temp_rules_;
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
