#include "engine/cli/internal_alerts.h"

#include <spdlog/spdlog.h>

#include "probe/record_decoder.h"

namespace th::cli {

uint64_t total_drops(const probe::Probe::Stats& st) {
  uint64_t total = 0;
  for (const auto& k : st.kinds) total += k.drops;
  return total;
}

void DropReporter::check(const probe::Probe::Stats& st, uint64_t now,
                         const nlohmann::ordered_json& flooders) {
  uint64_t total = total_drops(st);
  if (total <= reported_) return;
  if (last_alert_ns_ && now < last_alert_ns_ + kInterval) return;
  uint64_t fresh = total - reported_;
  reported_ = total;
  last_alert_ns_ = now;
  spdlog::warn("kernel ring buffer full: {} events dropped ({} in total); consider a larger "
               "ring_buffer_size",
               fresh, total);
  if (!sink_) return;
  Alert a = internal_alert(
      now, "kernel event drops", Priority::critical, hostname_,
      std::to_string(fresh) + " events were dropped in the kernel because the ring buffer was full (" +
          std::to_string(total) + " since start); injections in that window may be missed");
  a.output_fields["tracehound.kernel_drops"] = fresh;
  a.output_fields["tracehound.kernel_drops_total"] = total;
  auto per_kind = nlohmann::ordered_json::object();
  for (std::size_t k = 0; k < st.kinds.size(); ++k)
    if (st.kinds[k].drops)
      per_kind[std::string(probe::kind_name(static_cast<th_kind>(k)))] = st.kinds[k].drops;
  a.output_fields["tracehound.kernel_drops_by_kind"] = per_kind;
  a.output_fields["tracehound.flooders"] = flooders;
  sink_->emit(a);
}

}  // namespace th::cli
