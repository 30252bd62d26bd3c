// The HTTP endpoint for Prometheus and for liveness checks, on 127.0.0.1:8765 by default:
//   GET /metrics  -> Metrics::render_prometheus(), text/plain; version=0.0.4
//   GET /healthz  -> 200 "ok" when the health callback says healthy, else 503 with its reason
// Runs its own listener thread (cpp-httplib); start() returns once the socket is bound.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/metrics/metrics.h"

namespace httplib {
class Server;
}

namespace th {

struct Health {
  bool ok = true;
  std::string detail;  // why not, shown in the 503 body
};

class MetricsServer {
 public:
  using HealthFn = std::function<Health()>;

  // `health` may be empty (always healthy). `metrics` defaults to Metrics::global().
  explicit MetricsServer(HealthFn health = {}, Metrics* metrics = nullptr);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds address:port (port 0 picks a free one) and starts serving. False with `error` set
  // when the address cannot be bound.
  bool start(const std::string& address, int port, std::string& error);
  // The bound port (after a successful start).
  int port() const { return port_; }
  // Stops serving and joins the thread; idempotent.
  void stop();

 private:
  HealthFn health_;
  Metrics* metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace th
