#include "engine/output/output_manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "engine/output/drop_reporter.h"
#include "engine/output/local_outputs.h"
#include "engine/output/orphaned_spools.h"
#include "engine/output/webhook_output.h"

namespace th {

RecordPtr make_record(const Alert& a) {
  auto r = std::make_shared<AlertRecord>();
  r->json = alert_to_json(a);
  r->text = alert_to_text(a);
  r->time_ns = a.time_ns;
  r->rule = a.rule;
  r->priority = a.priority;
  r->uuid = a.uuid;
  return r;
}

RecordPtr record_from_line(const std::string& line) {
  auto a = alert_from_json(line);
  if (!a) return nullptr;
  auto r = std::make_shared<AlertRecord>();
  r->json = line;
  r->text = alert_to_text(*a);
  r->time_ns = a->time_ns;
  r->rule = a->rule;
  r->priority = a->priority;
  r->uuid = a->uuid;
  return r;
}

std::string new_alert_uuid() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xf000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(3ull << 62)) | (2ull << 62);            // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return buf;
}

void count_dropped_alert(OutputMetrics& m, const std::string& output, const AlertRecord& rec,
                         const char* why) {
  m.dropped.inc();
  if (auto* c = m.dropped_by_priority[static_cast<std::size_t>(rec.priority)]) c->inc();
  spdlog::warn("output '{}': alert dropped ({}): rule '{}', priority {}, time {}", output, why,
               rec.rule, priority_name(rec.priority), format_rfc3339_ns(rec.time_ns));
}

OutputMetrics OutputMetrics::make(Metrics& m, const std::string& output) {
  const Labels l = {{"output", output}};
  OutputMetrics om{
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
  for (std::size_t p = 0; p < om.dropped_by_priority.size(); ++p)
    om.dropped_by_priority[p] = &m.counter(
        "tracehound_output_dropped_by_priority_total",
        "Alerts lost, per output and alert priority (the least severe go first when full)",
        {{"output", output}, {"priority", std::string(priority_name(static_cast<Priority>(p)))}});
  return om;
}

namespace {
std::string local_hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

// Spools are keyed by destination: <webhook spool dir>/<hash of the URL>, so that alerts spooled
// for one URL are never sent to another (a renamed or re-pointed webhook starts a spool of its
// own; the old one waits for its URL). Replay's are under <webhook spool dir>/replay/.
std::string destination_spool_dir(const OutputsConfig& o, const WebhookConfig& w,
                                  OutputMode mode) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across builds and runs
  for (unsigned char c : w.url) h = (h ^ c) * 1099511628211ull;
  char key[17];
  std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(h));
  return webhook_spool_dir(o, w) + (mode == OutputMode::replay ? "/replay/" : "/") + key;
}
}  // namespace

std::unique_ptr<OutputManager> OutputManager::create(const Config& cfg, Diagnostics& diags,
                                                     OutputManagerOptions opts) {
  Metrics& m = opts.metrics ? *opts.metrics : Metrics::global();
  const auto& o = cfg.outputs;
  const bool block = opts.mode == OutputMode::replay;
  std::size_t errors_before = diags.error_count();
  std::vector<std::unique_ptr<Output>> outs;
  if (o.stdout_output.enabled)
    outs.push_back(std::make_unique<StdoutOutput>(cfg.format, o.queue_size,
                                                  OutputMetrics::make(m, "stdout"),
                                                  opts.stdout_fd, block));
  if (o.file.enabled) {
    if (auto f = FileOutput::create(o.file.path, o.queue_size, OutputMetrics::make(m, "file"),
                                    diags, block))
      outs.push_back(std::move(f));
  }
  if (o.syslog.enabled) {
    if (auto s = SyslogOutput::create(o.syslog, cfg.format, o.queue_size,
                                      OutputMetrics::make(m, "syslog"), diags, block))
      outs.push_back(std::move(s));
  }
  std::vector<std::string> notices;
  for (const auto& w : o.webhooks) {
    std::string secret;
    if (w.auth.configured()) {
      auto s = read_webhook_secret(w, diags);
      if (!s) continue;
      secret = std::move(*s);
    }
    const std::string spool_dir = destination_spool_dir(o, w, opts.mode);
    if (auto out = WebhookOutput::create(w, secret, spool_dir, OutputMetrics::make(m, w.name),
                                         diags, block))
      outs.push_back(std::move(out));
    if (w.spool.enabled) {
      for (auto& n : find_orphaned_spools(spool_dir, w.name, m)) {
        spdlog::warn("webhook '{}': {}", w.name, n);
        notices.push_back(std::move(n));
      }
    }
  }
  if (diags.error_count() > errors_before) {
    // Nothing was emitted yet: stop the workers at once.
    for (auto& out : outs) out->begin_shutdown();
    for (auto& out : outs) out->finish_shutdown(Clock::now());
    return nullptr;
  }
  auto manager = std::make_unique<OutputManager>(cfg, std::move(outs), m, opts);
  manager->notices_ = std::move(notices);
  return manager;
}

OutputManager::OutputManager(const Config& cfg, std::vector<std::unique_ptr<Output>> outputs,
                             Metrics& metrics, const OutputManagerOptions& opts)
    : outputs_(std::move(outputs)),
      minimum_(cfg.minimum_priority),
      hostname_(cfg.hostname.empty() ? local_hostname() : cfg.hostname),
      drain_timeout_(cfg.drain_timeout),
      emitted_(metrics.counter("tracehound_alerts_emitted_total",
                               "Alerts handed to the outputs (at or above minimum priority)")),
      filtered_(metrics.counter("tracehound_alerts_filtered_total",
                                "Alerts below the configured minimum priority, not sent")),
      after_shutdown_(metrics.counter("tracehound_alerts_after_shutdown_total",
                                      "Alerts emitted after the outputs were shut down (lost)")),
      mode_(opts.mode) {
  if (opts.report_drops) drop_reporter_ = std::make_unique<DropReporter>(*this, outputs_, metrics);
}

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
  Alert copy = alert;
  if (copy.hostname.empty()) copy.hostname = hostname_;
  if (copy.time_ns == 0)
    copy.time_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  if (copy.uuid.empty()) copy.uuid = new_alert_uuid();
  RecordPtr rec = make_record(copy);
  emitted_.inc();
  for (auto& out : outputs_) out->enqueue(rec);
}

void OutputManager::reopen() noexcept {
  for (auto& out : outputs_) out->reopen();
}

void OutputManager::shutdown(std::chrono::milliseconds timeout) {
  if (drop_reporter_) drop_reporter_->stop();  // its last report still goes out
  if (stopped_.exchange(true)) return;
  for (auto& out : outputs_) out->begin_shutdown();
  if (mode_ == OutputMode::replay) {
    // No live traffic to protect: wait while the outputs make progress.
    auto pending = [&] {
      std::size_t n = 0;
      for (const auto& out : outputs_) n += out->queue_depth();
      return n;
    };
    auto last_progress = Clock::now();
    for (std::size_t left = pending(), before = left; left > 0; before = left) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      left = pending();
      if (left < before) last_progress = Clock::now();
      if (Clock::now() - last_progress > timeout) break;
    }
  }
  auto deadline = Clock::now() + timeout;
  for (auto& out : outputs_) out->finish_shutdown(deadline);
}

std::vector<std::string> OutputManager::output_problems() const {
  std::vector<std::string> out;
  for (const auto& o : outputs_)
    if (auto p = o->problem(); !p.empty()) out.push_back(o->name() + ": " + p);
  return out;
}

uint64_t OutputManager::undelivered() const {
  uint64_t n = after_shutdown_.value();
  for (const auto& o : outputs_) n += o->undelivered();
  return n;
}

std::vector<std::string> OutputManager::unhealthy_outputs() const {
  std::vector<std::string> bad;
  for (const auto& out : outputs_)
    if (!out->healthy()) bad.push_back(out->name());
  return bad;
}

}  // namespace th
