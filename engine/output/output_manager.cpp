#include "engine/output/output_manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "engine/output/local_outputs.h"
#include "engine/output/webhook_output.h"

namespace th {

RecordPtr make_record(const Alert& a) {
  auto r = std::make_shared<AlertRecord>();
  r->json = alert_to_json(a);
  r->text = alert_to_text(a);
  r->time_ns = a.time_ns;
  r->rule = a.rule;
  r->priority = a.priority;
  return r;
}

OutputMetrics OutputMetrics::make(Metrics& m, const std::string& output) {
  const Labels l = {{"output", output}};
  return OutputMetrics{
      m.counter("tracehound_output_delivered_total", "Alerts delivered, per output", l),
      m.counter("tracehound_output_retried_total", "Alerts sent again after a failed attempt", l),
      m.counter("tracehound_output_rejected_total",
                "Alerts refused for good by the destination (HTTP 4xx but 429)", l),
      m.counter("tracehound_output_spooled_total", "Alerts written to the on-disk spool", l),
      m.counter("tracehound_output_dropped_total",
                "Alerts lost (queue and spool full, retries exhausted, write failed)", l),
      m.gauge("tracehound_output_queue_depth", "Alerts waiting in memory, per output", l),
      m.gauge("tracehound_output_spool_bytes", "Bytes in the output's spool directory", l),
      m.histogram("tracehound_output_delivery_latency_seconds",
                  "From the event's time to the alert's delivery",
                  {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300}, l),
  };
}

namespace {
std::string local_hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}
}  // namespace

std::unique_ptr<OutputManager> OutputManager::create(const Config& cfg, Diagnostics& diags,
                                                     OutputManagerOptions opts) {
  Metrics& m = opts.metrics ? *opts.metrics : Metrics::global();
  const auto& o = cfg.outputs;
  std::size_t errors_before = diags.error_count();
  std::vector<std::unique_ptr<Output>> outs;
  if (o.stdout_output.enabled)
    outs.push_back(std::make_unique<StdoutOutput>(cfg.format, o.queue_size,
                                                  OutputMetrics::make(m, "stdout"),
                                                  opts.stdout_fd));
  if (o.file.enabled) {
    if (auto f = FileOutput::create(o.file.path, o.queue_size, OutputMetrics::make(m, "file"),
                                    diags))
      outs.push_back(std::move(f));
  }
  if (o.syslog.enabled) {
    if (auto s = SyslogOutput::create(o.syslog, cfg.format, o.queue_size,
                                      OutputMetrics::make(m, "syslog"), diags))
      outs.push_back(std::move(s));
  }
  for (const auto& w : o.webhooks) {
    std::string secret;
    if (w.auth.configured()) {
      auto s = read_webhook_secret(w, diags);
      if (!s) continue;
      secret = std::move(*s);
    }
    if (auto out = WebhookOutput::create(w, secret, webhook_spool_dir(o, w),
                                         OutputMetrics::make(m, w.name), diags))
      outs.push_back(std::move(out));
  }
  if (diags.error_count() > errors_before) {
    // Nothing was emitted yet: stop the workers at once.
    for (auto& out : outs) out->begin_shutdown();
    for (auto& out : outs) out->finish_shutdown(Clock::now());
    return nullptr;
  }
  return std::make_unique<OutputManager>(cfg, std::move(outs), m);
}

OutputManager::OutputManager(const Config& cfg, std::vector<std::unique_ptr<Output>> outputs,
                             Metrics& metrics)
    : outputs_(std::move(outputs)),
      minimum_(cfg.minimum_priority),
      hostname_(cfg.hostname.empty() ? local_hostname() : cfg.hostname),
      drain_timeout_(cfg.drain_timeout),
      emitted_(metrics.counter("tracehound_alerts_emitted_total",
                               "Alerts handed to the outputs (at or above minimum priority)")),
      filtered_(metrics.counter("tracehound_alerts_filtered_total",
                                "Alerts below the configured minimum priority, not sent")),
      after_shutdown_(metrics.counter("tracehound_alerts_after_shutdown_total",
                                      "Alerts emitted after the outputs were shut down (lost)")) {}

OutputManager::~OutputManager() { shutdown(); }

void OutputManager::emit(const Alert& alert) {
  if (!priority_at_least(alert.priority, minimum_)) {
    filtered_.inc();
    return;
  }
  if (stopped_.load(std::memory_order_acquire)) {
    after_shutdown_.inc();
    spdlog::warn("alert after output shutdown dropped: rule '{}', time {}", alert.rule,
                 format_rfc3339_ns(alert.time_ns));
    return;
  }
  RecordPtr rec;
  if (alert.hostname.empty() || alert.time_ns == 0) {
    Alert copy = alert;
    if (copy.hostname.empty()) copy.hostname = hostname_;
    if (copy.time_ns == 0)
      copy.time_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
    rec = make_record(copy);
  } else {
    rec = make_record(alert);
  }
  emitted_.inc();
  for (auto& out : outputs_) out->enqueue(rec);
}

void OutputManager::reopen() noexcept {
  for (auto& out : outputs_) out->reopen();
}

void OutputManager::shutdown(std::chrono::milliseconds timeout) {
  if (stopped_.exchange(true)) return;
  auto deadline = Clock::now() + timeout;
  for (auto& out : outputs_) out->begin_shutdown();
  for (auto& out : outputs_) out->finish_shutdown(deadline);
}

std::vector<std::string> OutputManager::unhealthy_outputs() const {
  std::vector<std::string> bad;
  for (const auto& out : outputs_)
    if (!out->healthy()) bad.push_back(out->name());
  return bad;
}

}  // namespace th
