// An exception that escapes the handling of events (a bug some input can trigger) must not end
// the detector: that would blind it to everything after, which an attacker who found the input
// would use. EventGuard runs one batch of event handling, and reports an exception it throws
// (counted in tracehound_event_errors_total, logged, and alerted at most once per
// kAlertEveryNs) instead of letting it reach std::terminate. The batch's other records stay for
// the next poll (Probe::poll consumes only the one that threw).
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include "engine/core/alert_sink.h"

namespace th {
class Counter;
}

namespace th::cli {

class EventGuard {
 public:
  static constexpr uint64_t kAlertEveryNs = 10'000'000'000ull;

  // `sink` may be null (capture has no outputs): then the error is logged and counted only.
  EventGuard(AlertSink* sink, std::string hostname);

  // Runs `handle()`; true when it returned, false when it threw (and was reported).
  template <class F>
  bool run(F&& handle, uint64_t now_ns) noexcept {
    try {
      handle();
      return true;
    } catch (const std::exception& e) {
      report(e.what(), now_ns);
    } catch (...) {
      report("an exception of an unknown type", now_ns);
    }
    return false;
  }

  uint64_t errors() const { return errors_; }

 private:
  void report(const char* what, uint64_t now_ns) noexcept;

  AlertSink* sink_;
  std::string hostname_;
  Counter& counter_;
  uint64_t errors_ = 0;
  uint64_t errors_alerted_ = 0;  // errors_ when the last alert went out
  uint64_t last_alert_ns_ = 0;
  bool alerted_ = false;
};

}  // namespace th::cli
