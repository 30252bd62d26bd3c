// Says so when outputs lose alerts: a thread that looks at every output's lost() once a second
// and, when it grew, emits one internal alert ("tracehound internal: alerts dropped") with the
// counts since the last one, per output and per priority, at most every 10 seconds. Its
// priority is ALERT, above every rule's CRITICAL, so that a queue or spool full of critical
// alerts makes room for it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/metrics/metrics.h"
#include "engine/output/output.h"
#include "engine/core/alert_sink.h"

namespace th {

class DropReporter {
 public:
  DropReporter(AlertSink& sink, const std::vector<std::unique_ptr<Output>>& outputs,
               Metrics& metrics);
  ~DropReporter();
  // Reports what is new at once (if anything) and stops the thread.
  void stop();
  // One look: emits the alert when drops are new and the interval has passed (or `force`).
  void check(bool force);

 private:
  AlertSink& sink_;
  const std::vector<std::unique_ptr<Output>>& outputs_;
  Metrics& metrics_;
  std::map<std::string, uint64_t> reported_;  // per output, as of the last alert
  std::map<std::string, double> reported_by_priority_;
  uint64_t last_alert_ns_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace th
