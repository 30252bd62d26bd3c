// The /metrics and /healthz endpoint of the live detector. Another local user can take the port
// before tracehound starts; that must never stop detection. So the session starts without the
// endpoint and tries again between events, 1 s after the failure and then twice as long each
// time, up to 30 s. The failure is logged, counted (tracehound_metrics_endpoint_listen_failures_total,
// tracehound_metrics_endpoint_up) and alerted on once (an internal alert), and the endpoint's
// coming up later is logged.
#pragma once

#include <cstdint>
#include <string>

#include "engine/config/config.h"
#include "engine/metrics/metrics_server.h"
#include "engine/core/alert_sink.h"

namespace th::cli {

class MetricsEndpoint {
 public:
  // `live` answers /livez and /healthz, `ready` /readyz; `alerts` receives the internal alert
  // (may be null: logged only).
  MetricsEndpoint(const MetricsConfig& cfg, MetricsServer::HealthFn live,
                  MetricsServer::HealthFn ready, AlertSink* alerts, std::string hostname);
  // First attempt; the retries are left to tick().
  void start(uint64_t now_ns);
  // Between events: a retry when one is due.
  void tick(uint64_t now_ns);
  void stop() { server_.stop(); }
  bool up() const { return up_; }

  static constexpr uint64_t kFirstRetryNs = 1'000'000'000ull;
  static constexpr uint64_t kMaxRetryNs = 30'000'000'000ull;

 private:
  bool try_listen(uint64_t now_ns);

  MetricsConfig cfg_;
  MetricsServer server_;
  AlertSink* alerts_;
  std::string hostname_;
  bool up_ = false;
  uint64_t failures_ = 0;
  uint64_t next_try_ns_ = 0;
  uint64_t backoff_ns_ = kFirstRetryNs;
  Counter* failures_total_;
  Gauge* up_gauge_;
};

}  // namespace th::cli
