// The AlertSink the detector emits into: filters by minimum priority, renders each alert once
// (the JSON is byte-identical in every output) and hands it to every configured output. emit()
// never blocks: each output has its own bounded queue and worker (see output.h).
//
// Use from the command:
//   Diagnostics diags;
//   auto outputs = OutputManager::create(cfg, diags);      // nullptr when diags has errors
//   detector.set_sink(*outputs);                           // emit() from the detector thread
//   on SIGUSR1:  outputs->reopen();                        // async-signal-safe
//   on SIGTERM:  stop the detector, then outputs->shutdown();  // drains, then spools the rest
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/config/config.h"
#include "engine/core/alert_sink.h"
#include "engine/core/diagnostics.h"
#include "engine/metrics/metrics.h"
#include "engine/output/output.h"

namespace th {

struct OutputManagerOptions {
  Metrics* metrics = nullptr;  // nullptr: Metrics::global()
  int stdout_fd = 1;           // where the stdout output writes (tests point it elsewhere)
};

class OutputManager : public AlertSink {
 public:
  // Builds every enabled output of `cfg`: reads webhook secrets, opens the alert file and the
  // spools. Any problem is a Diagnostic (TH-C-SECRET, TH-O-FILE, TH-O-SPOOL...) and the result is
  // nullptr. No output at all is allowed (alerts are then only counted).
  static std::unique_ptr<OutputManager> create(const Config& cfg, Diagnostics& diags,
                                               OutputManagerOptions opts = {});
  // For tests and embedders: an explicit list of outputs.
  OutputManager(const Config& cfg, std::vector<std::unique_ptr<Output>> outputs,
                Metrics& metrics);
  ~OutputManager() override;

  // Drops alerts below cfg.minimum_priority (counted in tracehound_alerts_filtered_total),
  // fills in hostname (config override or gethostname()) and time (now) when empty, then
  // enqueues the alert on every output. Thread-safe; never blocks on delivery.
  void emit(const Alert& alert) override;

  // Asks file outputs to reopen their file before the next write. Async-signal-safe (sets
  // atomic flags only): call it from a SIGUSR1 handler or a signal-handling thread.
  void reopen() noexcept;

  // Stops taking alerts (later emits are counted as dropped), lets every output drain in
  // parallel for at most `timeout`, then webhooks spool what is left and other outputs count it
  // as dropped. Idempotent; the destructor calls shutdown(cfg.drain_timeout) if not done.
  void shutdown(std::chrono::milliseconds timeout);
  void shutdown() { shutdown(drain_timeout_); }

  // For /healthz: names of outputs whose destination is failing right now (empty: all fine).
  std::vector<std::string> unhealthy_outputs() const;
  const std::vector<std::unique_ptr<Output>>& outputs() const { return outputs_; }

 private:
  std::vector<std::unique_ptr<Output>> outputs_;
  Priority minimum_;
  std::string hostname_;
  std::chrono::milliseconds drain_timeout_;
  Counter& emitted_;
  Counter& filtered_;
  Counter& after_shutdown_;
  std::atomic<bool> stopped_{false};
};

}  // namespace th
