// One destination for alerts (stdout, a file, syslog, a webhook). The OutputManager renders each
// alert once into an AlertRecord and hands the same record to every output, so that every output
// carries byte-identical JSON. enqueue() never blocks: each output has its own bounded queue and
// worker thread, and whatever cannot be queued is counted (dropped, or spooled for webhooks).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/core/alert.h"
#include "engine/metrics/metrics.h"

namespace th {

struct AlertRecord {
  std::string json;  // alert_to_json: one line, no newline
  std::string text;  // alert_to_text
  uint64_t time_ns = 0;
  std::string rule;
  Priority priority = Priority::warning;
};
using RecordPtr = std::shared_ptr<const AlertRecord>;

RecordPtr make_record(const Alert& a);

// The per-output series, labelled {output="<name>"}.
struct OutputMetrics {
  Counter& delivered;  // alerts that reached the destination (webhook: answered 2xx)
  Counter& retried;    // alerts sent again after a failed attempt
  Counter& rejected;   // alerts the destination refused for good (webhook: 4xx but 429)
  Counter& spooled;    // alerts written to the on-disk spool
  Counter& dropped;    // alerts lost: queue and spool full, retries exhausted, write failed
  Gauge& queue_depth;  // alerts waiting in memory
  Gauge& spool_bytes;  // bytes in the spool directory
  Histogram& latency;  // event time -> delivered, seconds

  static OutputMetrics make(Metrics& m, const std::string& output);
};

using Clock = std::chrono::steady_clock;

class Output {
 public:
  virtual ~Output() = default;
  virtual const std::string& name() const = 0;
  // Never blocks.
  virtual void enqueue(const RecordPtr& rec) = 0;
  // Stops taking alerts and starts draining what is queued; returns at once.
  virtual void begin_shutdown() = 0;
  // Waits for the drain until `deadline`, then gives up on what is left (webhooks spool it,
  // others count it as dropped) and joins the workers.
  virtual void finish_shutdown(Clock::time_point deadline) = 0;
  // Async-signal-safe: asks the output to reopen its file (logrotate). No-op for most.
  virtual void reopen() noexcept {}
  // false while the destination is failing (for /healthz).
  virtual bool healthy() const { return true; }
  virtual std::size_t queue_depth() const = 0;
};

}  // namespace th
