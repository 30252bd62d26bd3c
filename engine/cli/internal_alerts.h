// Alerts tracehound raises about itself (source "internal", tag tracehound_internal), in Falco's
// alert format, so that whoever reads the alerts learns that detection is impaired: events lost
// in the kernel, a metrics endpoint that cannot listen.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/cli/internal_alert.h"
#include "engine/core/alert.h"
#include "engine/core/alert_sink.h"
#include "probe/loader.h"

namespace th::cli {

// Kernel drops: logged and alerted at most once per interval, with the counts since the last one.
// Without a sink (capture) they are logged only.
class DropReporter {
 public:
  DropReporter(AlertSink* sink, std::string hostname)
      : sink_(sink), hostname_(std::move(hostname)) {}
  // `flooders`: the processes flood control saw repeating themselves lately (who filled it).
  void check(const probe::Probe::Stats& st, uint64_t now_ns,
             const nlohmann::ordered_json& flooders = nlohmann::ordered_json::array());
  uint64_t total() const { return reported_; }

 private:
  static constexpr uint64_t kInterval = 10'000'000'000ull;
  AlertSink* sink_;
  std::string hostname_;
  uint64_t reported_ = 0;
  uint64_t last_alert_ns_ = 0;
};

// All kernel drops so far, over every kind.
uint64_t total_drops(const probe::Probe::Stats& st);

}  // namespace th::cli
