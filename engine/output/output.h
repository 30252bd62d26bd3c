// One destination for alerts (stdout, a file, syslog, a webhook). The OutputManager renders each
// alert once into an AlertRecord and hands the same record to every output, so that every output
// carries byte-identical JSON. enqueue() never blocks: each output has its own bounded queue and
// worker thread, and whatever cannot be queued is counted (dropped, or spooled for webhooks).
#pragma once

#include <array>
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
  std::string uuid;  // also in `json`; empty for alerts not given one
};
using RecordPtr = std::shared_ptr<const AlertRecord>;

RecordPtr make_record(const Alert& a);
// A spooled line back into a record; nullptr when the line is not an alert (a damaged spool).
RecordPtr record_from_line(const std::string& line);
// A new RFC 9562 version 4 UUID ("0b3f5c1e-8d2a-4f6b-9c7d-1e2f3a4b5c6d").
std::string new_alert_uuid();

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
  // `dropped` again, by the lost alert's priority (index: the Priority value).
  std::array<Counter*, 8> dropped_by_priority{};

  static OutputMetrics make(Metrics& m, const std::string& output);
};

// Counts one lost alert (in `dropped` and by priority) and logs it with its rule, priority and
// time, as every drop is.
void count_dropped_alert(OutputMetrics& m, const std::string& output, const AlertRecord& rec,
                         const char* why);

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
  // Asks the output to reopen its file (logrotate), from the loop, not a signal handler (it may
  // take a lock to wake the output's worker). No-op for most.
  virtual void reopen() noexcept {}
  // Why the destination is degraded right now ("" when it is fine), for /readyz.
  virtual std::string problem() const { return {}; }
  bool healthy() const { return problem().empty(); }
  virtual std::size_t queue_depth() const = 0;
  // Alerts this output lost (counted as dropped) since it started.
  virtual uint64_t lost() const = 0;
  // Alerts it took and did not deliver: lost, plus those still pending (a webhook's spool keeps
  // them for the next start). Meaningful after finish_shutdown().
  virtual uint64_t undelivered() const { return lost(); }
};

}  // namespace th
