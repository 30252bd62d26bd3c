#include "engine/cli/metrics_endpoint.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/cli/internal_alerts.h"

namespace th::cli {

MetricsEndpoint::MetricsEndpoint(const MetricsConfig& cfg, MetricsServer::HealthFn live,
                                 MetricsServer::HealthFn ready, AlertSink* alerts,
                                 std::string hostname)
    : cfg_(cfg), server_(std::move(live), nullptr, std::move(ready)), alerts_(alerts),
      hostname_(std::move(hostname)) {
  auto& m = Metrics::global();
  failures_total_ = &m.counter("tracehound_metrics_endpoint_listen_failures_total",
                               "Attempts to listen on the metrics address that failed");
  up_gauge_ = &m.gauge("tracehound_metrics_endpoint_up",
                       "1 when the metrics and health endpoint is listening");
}

void MetricsEndpoint::start(uint64_t now_ns) {
  if (!cfg_.enabled || try_listen(now_ns)) return;
  std::string where = cfg_.address + ":" + std::to_string(cfg_.port);
  spdlog::error("metrics endpoint: cannot listen on {} (port taken or address not local); "
                "detection runs without /metrics and /healthz, retrying in the background",
                where);
  if (!alerts_) return;
  Alert a = internal_alert(now_ns, "metrics endpoint unavailable", Priority::error, hostname_,
                           "cannot listen on " + where +
                               " for /metrics and /healthz; detection continues and the "
                               "endpoint is retried in the background");
  a.output_fields["tracehound.metrics_address"] = cfg_.address;
  a.output_fields["tracehound.metrics_port"] = cfg_.port;
  alerts_->emit(a);
}

void MetricsEndpoint::tick(uint64_t now_ns) {
  if (!cfg_.enabled || up_ || now_ns < next_try_ns_) return;
  if (try_listen(now_ns) && failures_ > 0)
    spdlog::info("metrics endpoint is up after {} failed attempt(s)", failures_);
}

bool MetricsEndpoint::try_listen(uint64_t now_ns) {
  std::string err;
  if (server_.start(cfg_.address, cfg_.port, err)) {
    up_ = true;
    up_gauge_->set(1);
    spdlog::info("metrics on http://{}:{}/metrics", cfg_.address, server_.port());
    return true;
  }
  ++failures_;
  failures_total_->inc();
  up_gauge_->set(0);
  spdlog::debug("metrics endpoint: {}; next attempt in {} s", err, backoff_ns_ / 1'000'000'000);
  next_try_ns_ = now_ns + backoff_ns_;
  backoff_ns_ = std::min(backoff_ns_ * 2, kMaxRetryNs);
  return false;
}

}  // namespace th::cli
