#include "engine/output/drop_reporter.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace th {
namespace {

constexpr uint64_t kIntervalNs = 10'000'000'000ull;

uint64_t wall_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

DropReporter::DropReporter(AlertSink& sink, const std::vector<std::unique_ptr<Output>>& outputs,
                           Metrics& metrics)
    : sink_(sink), outputs_(outputs), metrics_(metrics) {
  for (const auto& o : outputs_) reported_[o->name()] = o->lost();
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
      if (stop_) break;
      lock.unlock();
      check(false);
      lock.lock();
    }
  });
}

DropReporter::~DropReporter() { stop(); }

void DropReporter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  check(true);
}

void DropReporter::check(bool force) {
  uint64_t fresh = 0;
  auto by_output = nlohmann::ordered_json::object();
  auto by_priority = nlohmann::ordered_json::object();
  for (const auto& o : outputs_) {
    uint64_t lost = o->lost();
    if (lost > reported_[o->name()]) {
      by_output[o->name()] = lost - reported_[o->name()];
      fresh += lost - reported_[o->name()];
    }
  }
  if (fresh == 0) return;
  uint64_t now = wall_ns();
  if (!force && last_alert_ns_ && now < last_alert_ns_ + kIntervalNs) return;
  last_alert_ns_ = now;
  for (const auto& o : outputs_) reported_[o->name()] = o->lost();
  for (std::size_t p = 0; p < 8; ++p) {
    std::string prio(priority_name(static_cast<Priority>(p)));
    double total = 0;
    for (const auto& o : outputs_)
      total += metrics_.value("tracehound_output_dropped_by_priority_total",
                              {{"output", o->name()}, {"priority", prio}});
    if (total > reported_by_priority_[prio])
      by_priority[prio] = static_cast<uint64_t>(total - reported_by_priority_[prio]);
    reported_by_priority_[prio] = total;
  }
  spdlog::error("outputs lost {} alerts: {} (by priority: {})", fresh, by_output.dump(),
                by_priority.dump());
  Alert a;
  a.time_ns = now;
  a.rule = "tracehound internal: alerts dropped";
  a.priority = Priority::alert;
  a.source = "internal";
  a.tags = {"tracehound_internal"};
  a.output = format_evt_time(now) + ": Alert tracehound internal: " + std::to_string(fresh) +
             " alerts were lost by the outputs (" + by_output.dump() +
             "; least severe first: " + by_priority.dump() + ")";
  a.output_fields["tracehound.alerts_dropped"] = fresh;
  a.output_fields["tracehound.alerts_dropped_by_output"] = by_output;
  a.output_fields["tracehound.alerts_dropped_by_priority"] = by_priority;
  sink_.emit(a);
}

}  // namespace th
