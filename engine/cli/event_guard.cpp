#include "engine/cli/event_guard.h"

#include <spdlog/spdlog.h>

#include "engine/cli/internal_alert.h"
#include "engine/metrics/metrics.h"

namespace th::cli {

EventGuard::EventGuard(AlertSink* sink, std::string hostname)
    : sink_(sink),
      hostname_(std::move(hostname)),
      counter_(Metrics::global().counter(
          "tracehound_event_errors_total",
          "Batches of events whose handling failed with an internal error (the failing record "
          "was skipped)")) {}

void EventGuard::report(const char* what, uint64_t now_ns) noexcept {
  ++errors_;
  counter_.inc();
  try {
    // The log and the alert are themselves bounded: a record that fails every time must not
    // flood them.
    if (alerted_ && now_ns - last_alert_ns_ < kAlertEveryNs) return;
    uint64_t since = errors_ - errors_alerted_;
    spdlog::error("internal error while handling events, the failing record was skipped: {} "
                  "({} such error(s) since the last report)",
                  what, since);
    if (sink_)
      sink_->emit(internal_alert(now_ns, "event handling error", Priority::error, hostname_,
                                 "an internal error made tracehound skip an event (" +
                                     std::to_string(since) + " so far since the last report): " +
                                     std::string(what)));
    alerted_ = true;
    last_alert_ns_ = now_ns;
    errors_alerted_ = errors_;
  } catch (...) {
    // Reporting failed (out of memory): the count above still says it happened.
  }
}

}  // namespace th::cli
