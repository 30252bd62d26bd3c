#include "engine/metrics/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

namespace th {

MetricsServer::MetricsServer(HealthFn health, Metrics* metrics)
    : health_(std::move(health)), metrics_(metrics ? metrics : &Metrics::global()) {}

MetricsServer::~MetricsServer() { stop(); }

bool MetricsServer::start(const std::string& address, int port, std::string& error) {
  if (server_) {
    error = "the metrics server is already running";
    return false;
  }
  auto srv = std::make_unique<httplib::Server>();
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second tracehound share the
  // port silently: only allow quick rebinding after a restart.
  srv->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  srv->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_->render_prometheus(), "text/plain; version=0.0.4; charset=utf-8");
  });
  srv->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    Health h = health_ ? health_() : Health{};
    if (h.ok) {
      res.set_content("ok\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("unhealthy: " + h.detail + "\n", "text/plain");
    }
  });
  int bound;
  if (port == 0) {
    bound = srv->bind_to_any_port(address.c_str());
  } else {
    bound = srv->bind_to_port(address.c_str(), port) ? port : -1;
  }
  if (bound <= 0) {
    error = "cannot listen on " + address + ":" + std::to_string(port);
    return false;
  }
  port_ = bound;
  server_ = std::move(srv);
  thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
  // httplib's stop() does nothing before the listen loop runs: wait for it, so that a stop()
  // right after start() is not lost (which would leave the thread listening forever).
  for (int i = 0; i < 5000 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void MetricsServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace th
