// The AlertSink the detector emits into: filters by minimum priority, renders each alert once
// (the JSON is byte-identical in every output) and hands it to every configured output. emit()
// never blocks: each output has its own bounded queue and worker (see output.h).
//
// Use from the command:
//   Diagnostics diags;
//   auto outputs = OutputManager::create(cfg, diags);      // nullptr when diags has errors
//   detector.set_sink(*outputs);                           // emit() from the detector thread
//   on SIGUSR1:  outputs->reopen();                        // from the loop, not a signal handler
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

class DropReporter;

enum class OutputMode {
  // Live detection: emit() never blocks; what cannot be kept is dropped (least severe first).
  live,
  // Replay and tests of recorded events: no live traffic to protect, so emit() blocks while a
  // queue or spool is full instead of dropping, and webhooks use spools of their own
  // (<spool dir>/replay/...), never the live daemon's.
  replay,
};

struct OutputManagerOptions {
  Metrics* metrics = nullptr;  // nullptr: Metrics::global()
  int stdout_fd = 1;           // where the stdout output writes (tests point it elsewhere)
  OutputMode mode = OutputMode::live;
  // Emit an internal alert ("tracehound internal: alerts dropped", priority ALERT so that it is
  // kept before any rule's alert) when outputs lost alerts, at most every 10 s, with the counts.
  bool report_drops = false;
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
                Metrics& metrics, const OutputManagerOptions& opts = {});
  ~OutputManager() override;

  // Drops alerts below cfg.minimum_priority (counted in tracehound_alerts_filtered_total),
  // fills in hostname (config override or gethostname()) and time (now) when empty, then
  // enqueues the alert on every output. Thread-safe; never blocks on delivery.
  void emit(const Alert& alert) override;

  // Asks file outputs to reopen their file now (their workers are woken). Not async-signal-safe:
  // call it from the thread that reads SIGUSR1 (a signalfd), not from a signal handler.
  void reopen() noexcept;

  // Stops taking alerts (later emits are counted as dropped), lets every output drain in
  // parallel for at most `timeout` (in replay mode: for as long as they make progress, giving up
  // after `timeout` without any), then webhooks keep what is left in their spool and other
  // outputs count it as dropped. Idempotent; the destructor calls shutdown() if not done.
  void shutdown(std::chrono::milliseconds timeout);
  void shutdown() { shutdown(drain_timeout_); }

  // For /readyz: names of outputs whose destination is failing right now (empty: all fine).
  std::vector<std::string> unhealthy_outputs() const;
  // The same with the reasons: "sidekick: delivery failing: Couldn't connect to server".
  std::vector<std::string> output_problems() const;
  // Alerts taken and not delivered by all outputs: lost, or (after shutdown) left in a spool.
  uint64_t undelivered() const;
  const std::vector<std::unique_ptr<Output>>& outputs() const { return outputs_; }
  // What the outputs found at start that the alert stream should say (already logged): today,
  // alerts waiting in the spool of a webhook's earlier URL.
  const std::vector<std::string>& notices() const { return notices_; }

 private:
  std::vector<std::unique_ptr<Output>> outputs_;
  Priority minimum_;
  std::string hostname_;
  std::chrono::milliseconds drain_timeout_;
  Counter& emitted_;
  Counter& filtered_;
  Counter& after_shutdown_;
  std::atomic<bool> stopped_{false};
  OutputMode mode_;
  std::unique_ptr<DropReporter> drop_reporter_;
  std::vector<std::string> notices_;
};

}  // namespace th
