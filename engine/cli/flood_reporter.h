// Reports what the probe's flood control held back (probe/flood_control.bpf.h): a log line, an
// internal alert naming the processes that flooded, with their counts, and the same list for the
// kernel-drop alert. At most one report per interval, carrying everything since the last one.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/alert_sink.h"
#include "probe/loader.h"

namespace th::cli {

class FloodReporter {
 public:
  FloodReporter(AlertSink& sink, std::string hostname) : sink_(sink), hostname_(std::move(hostname)) {}

  // Reads the probe's flood map when its held counters (in `snapshot`, the probe's stats())
  // moved, at most once per kReadInterval until a report is due; reports once per interval.
  void check(probe::Probe& probe, const probe::Probe::Stats& snapshot, uint64_t now_ns);
  // The processes of the latest reports (most recent interval first), for the drop alert.
  const nlohmann::ordered_json& recent_flooders() const { return recent_; }

  static constexpr uint64_t kInterval = 10'000'000'000ull;
  static constexpr uint64_t kReadInterval = 1'000'000'000ull;  // map reads between reports
  static constexpr std::size_t kMaxNamed = 10;  // processes named per alert

 private:
  void merge(const std::vector<probe::Flooder>& fresh);
  void report(uint64_t now_ns);

  AlertSink& sink_;
  std::string hostname_;
  std::vector<probe::Flooder> pending_;  // merged by (pid, kind, request, target, failed)
  nlohmann::ordered_json recent_ = nlohmann::ordered_json::array();
  uint64_t last_report_ns_ = 0;
  uint64_t last_read_ns_ = 0;
};

// The JSON form of one flooder in alerts: {"pid", "comm", "uid", "kind", "request", ...}.
nlohmann::ordered_json flooder_json(const probe::Flooder& f);
// "comm (pid P, uid U): N held ptrace PTRACE_TRACEME (failed)"
std::string flooder_text(const probe::Flooder& f);

}  // namespace th::cli
