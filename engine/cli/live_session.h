// tracehound's live side as one object, used by `run` and `capture`: the process table
// bootstrapped from /proc, the probe, and where the events go: the detector and its outputs
// (run) or a capture file (capture). The session owns the poll loop and its tick (folding
// windows, table reaping and container metadata through the detector, kernel counters, drop
// reporting, the metrics endpoint's retries), the signals (SIGINT/SIGTERM: stop; SIGHUP: reload
// the config's rule settings, the rules and the probe's interest, the old ones stay on failure;
// SIGUSR1: reopen the alert file), the same reload when the watcher sees the config or rules files
// change (watch_config_files), and the final drain. Every part takes its options from the Config (config_options.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "engine/cli/enforcement.h"
#include "engine/cli/event_guard.h"
#include "engine/cli/file_watcher.h"
#include "engine/cli/flood_reporter.h"
#include "engine/cli/internal_alerts.h"
#include "engine/cli/live.h"
#include "engine/cli/metrics_endpoint.h"
#include "engine/config/config.h"
#include "engine/detect/detector.h"
#include "engine/output/output_manager.h"
#include "engine/proc/container_meta.h"

namespace th::cli {

class LiveSession {
 public:
  struct Options {
    double duration_s = 0;  // 0: until a signal
    // false: the probe sends every record instead of aggregating floods in the kernel
    // (capture --no-aggregation, for a complete recording; a flood then fills the ring).
    bool aggregate_floods = true;
    // Builds the config afresh (file, -o, flags) for a reload; false when it is invalid (its
    // diagnostics printed). Unset: reloads keep the config and reread only the rules.
    std::function<bool(Config&)> reload_config{};
  };
  // Where a capture goes: `write` takes each enriched event, `flush` runs at each tick; either
  // returning false (a failed write) stops the session.
  struct Recorder {
    std::function<bool(const Event&, const ProcessTable&)> write;
    std::function<bool()> flush;
  };

  // First of all (before any thread starts): blocks the signals the loop takes from a signalfd.
  explicit LiveSession(Options o);
  ~LiveSession();
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // run: rules (1 when they do not compile), outputs, table, probe, detector, metrics endpoint.
  // Returns 0 when watching, else the exit code.
  int start_detection(const Config& cfg);
  // capture: table and probe (with `interest`); each event goes to `record`.
  int start_capture(const Config& cfg, const Interest& interest, Recorder record);
  // Polls until a signal, the duration or a failed write; drains and returns the exit code.
  int run();

  uint64_t events() const { return events_; }
  uint64_t kernel_drops() const;

 private:
  bool open_probe_and_table(const Config& cfg, const Interest& interest,
                            const Ruleset* kill_rules = nullptr);
  void start_outputs_metrics();
  void handle(Event& e);
  void handle_signals(bool& stop);
  // SIGHUP, or a change the watcher saw: the config and rules read again and validated; the old
  // ones stay on failure (logged, counted, and an internal alert).
  void reload(const std::string& why);
  void start_watching();
  // Reads the watcher's inotify events when its fd polled readable; reloads once they are due.
  void check_watcher(uint64_t now, bool readable);
  bool reload_enforcement(const Ruleset& rules, std::string& err);
  void tick(uint64_t now);
  // When the next tick is due: soon while records flow, later after a quiet period.
  uint64_t next_tick() const;
  int wait_ms(uint64_t deadline) const;
  void finish();
  Health liveness() const;
  Health readiness() const;
  void report_blind_spots();
  void log_watching(std::size_t rules);

  Options opts_;
  SignalFd signals_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  Config cfg_;
  std::unique_ptr<ProcessTable> table_;
  std::unique_ptr<probe::Probe> probe_;
  std::size_t known_processes_ = 0;
  std::unique_ptr<DropReporter> drops_;
  std::unique_ptr<FloodReporter> floods_;
  std::unique_ptr<EventGuard> guard_;  // an exception in event handling is reported, not fatal
  // run
  std::unique_ptr<OutputManager> outputs_;
  std::unique_ptr<ContainerMetadata> containers_;
  std::unique_ptr<Detector> detector_;
  std::unique_ptr<EnforcementReporter> enforcement_;
  std::unique_ptr<MetricsEndpoint> endpoint_;
  std::unique_ptr<FileWatcher> watcher_;
  std::atomic<uint64_t> heartbeat_{0};
  // capture
  Recorder record_;
  bool record_failed_ = false;
  uint64_t events_ = 0;
  uint64_t last_tick_ = 0;
  uint64_t events_at_tick_ = 0;  // events_ at the last tick: none since means a quiet period
  bool ring_unready_ = false;    // the ring polled readable and gave nothing (run())
};

}  // namespace th::cli
