// The HTTP endpoint for Prometheus and for the orchestrator's probes, on 127.0.0.1:8765 by
// default:
//   GET /metrics           -> Metrics::render_prometheus(), text/plain; version=0.0.4
//   GET /livez, /healthz   -> liveness: 200 "ok" while the `live` check passes (the detection
//                             loop is alive), else 503 with its reason. Degraded outputs do not
//                             fail it: restarting tracehound would not repair a webhook.
//   GET /readyz            -> readiness: 200 "ready" when both checks pass, else 503 with the
//                             reason (for example "degraded outputs: sidekick: delivery failing")
//
// Anyone who can reach the port is assumed hostile: one thread serves every connection from a
// poll loop (an idle or slow connection never holds a worker), requests are bounded in size and
// in time (the whole request head within header_timeout, the answer taken within
// write_timeout), and connections are limited per peer address and in total. When a limit is
// reached, the oldest connection still sending its request (of that peer, or of all) is closed to
// make room, so that a probe's fresh connection is always served. Every connection closed early
// is counted in tracehound_metrics_connections_refused_total{reason}.
//
// Why not cpp-httplib's server: its thread-per-connection pool has no per-peer limit and eight
// idle connections fill it, which is exactly the kill switch this replaces.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/metrics/metrics.h"

namespace th {

struct Health {
  bool ok = true;
  std::string detail;  // why not (shown in the 503 body), or a note when ok
};

struct MetricsServerLimits {
  std::size_t max_connections = 64;                // open at once, in total
  std::size_t max_per_peer = 8;                    // open at once from one address
  std::chrono::milliseconds header_timeout{3000};  // to send the whole request head
  std::chrono::milliseconds write_timeout{5000};   // to take the whole answer
  std::size_t max_request_bytes = 8192;
};

class MetricsServer {
 public:
  using HealthFn = std::function<Health()>;

  // `live` answers /livez and /healthz, `ready` /readyz (with `live`); empty: always passes.
  // `metrics` defaults to Metrics::global(). The checks run on the server's thread and must be
  // quick.
  explicit MetricsServer(HealthFn live = {}, Metrics* metrics = nullptr, HealthFn ready = {});
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Before start().
  void set_limits(const MetricsServerLimits& limits) { limits_ = limits; }

  // Binds address:port (port 0 picks a free one) and starts serving. False with `error` set
  // when the address cannot be bound (the port is taken, the address is not this host's...).
  bool start(const std::string& address, int port, std::string& error);
  // The bound port (after a successful start).
  int port() const { return port_; }
  // Stops serving, closes every connection and joins the thread; idempotent.
  void stop();

 private:
  class Loop;
  HealthFn live_;
  HealthFn ready_;
  Metrics* metrics_;
  MetricsServerLimits limits_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace th
