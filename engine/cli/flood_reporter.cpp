#include "engine/cli/flood_reporter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/cli/internal_alert.h"
#include "engine/core/ptrace_request.h"
#include "probe/record_decoder.h"

namespace th::cli {
namespace {

bool same_stream(const probe::Flooder& a, const probe::Flooder& b) {
  return a.pid == b.pid && a.kind == b.kind && a.request == b.request && a.target == b.target &&
         a.failed == b.failed;
}

std::string request_name(int64_t request) {
  std::string_view name = ptrace_request_name(request);
  return name.empty() ? std::to_string(request) : std::string(name);
}

}  // namespace

nlohmann::ordered_json flooder_json(const probe::Flooder& f) {
  nlohmann::ordered_json j;
  j["pid"] = f.pid;
  j["comm"] = f.comm;
  j["uid"] = f.uid;
  j["kind"] = std::string(probe::kind_name(f.kind));
  if (f.kind == TH_KIND_PTRACE) j["request"] = request_name(f.request);
  j["target_pid"] = f.target;
  j["failed"] = f.failed;
  j["held"] = f.held;
  j["sent"] = f.sent;
  j["dropped"] = f.dropped;
  return j;
}

std::string flooder_text(const probe::Flooder& f) {
  std::string what(probe::kind_name(f.kind));
  if (f.kind == TH_KIND_PTRACE) what.append(1, ' ').append(request_name(f.request));
  return f.comm + " (pid " + std::to_string(f.pid) + ", uid " + std::to_string(f.uid) +
         "): " + std::to_string(f.held) + " " + what + (f.failed ? " (failed)" : "") +
         (f.dropped ? ", " + std::to_string(f.dropped) + " lost" : "");
}

void FloodReporter::merge(const std::vector<probe::Flooder>& fresh) {
  for (const auto& f : fresh) {
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const probe::Flooder& p) { return same_stream(p, f); });
    if (it == pending_.end()) {
      pending_.push_back(f);
      continue;
    }
    it->held += f.held;
    it->sent += f.sent;
    it->dropped += f.dropped;
  }
}

void FloodReporter::check(probe::Probe& probe, const probe::Probe::Stats& snapshot,
                          uint64_t now_ns) {
  // Between reports the map is read at most once per kReadInterval (a walk of the map costs two
  // system calls a stream): its counts only grow, so a later read loses nothing but the streams
  // the LRU map evicts meanwhile, and those still count in the per-kind totals.
  const bool report_due = last_report_ns_ == 0 || now_ns >= last_report_ns_ + kInterval;
  if (!report_due && last_read_ns_ && now_ns < last_read_ns_ + kReadInterval) return;
  last_read_ns_ = now_ns;
  merge(probe.flooders(snapshot));
  if (pending_.empty() || !report_due) return;
  report(now_ns);
}

void FloodReporter::report(uint64_t now_ns) {
  std::sort(pending_.begin(), pending_.end(), [](const probe::Flooder& a, const probe::Flooder& b) {
    return a.held + a.dropped > b.held + b.dropped;
  });
  uint64_t held = 0, dropped = 0;
  for (const auto& f : pending_) {
    held += f.held;
    dropped += f.dropped;
  }
  std::string named;
  auto list = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < pending_.size() && i < kMaxNamed; ++i) {
    named += (i ? "; " : "") + flooder_text(pending_[i]);
    list.push_back(flooder_json(pending_[i]));
  }
  spdlog::warn("event flood: {} repetitive records from {} stream(s) aggregated in the kernel: {}",
               held, pending_.size(), named);
  Alert a = internal_alert(
      now_ns, "event flood", Priority::warning, hostname_,
      std::to_string(held) + " repetitive events were counted in the kernel instead of sent, from " +
          std::to_string(pending_.size()) + " stream(s): " + named +
          " (injections and process events of other processes are unaffected)");
  a.output_fields["tracehound.flood_held"] = held;
  a.output_fields["tracehound.flood_dropped"] = dropped;
  a.output_fields["tracehound.flooders"] = list;
  sink_.emit(a);
  recent_ = list;
  pending_.clear();
  last_report_ns_ = now_ns;
}

}  // namespace th::cli
