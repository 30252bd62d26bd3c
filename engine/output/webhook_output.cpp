#include "engine/output/webhook_output.h"

#include <spdlog/spdlog.h>

#include "engine/output/queued_output.h"
#include "engine/output/retry_policy.h"

namespace th {
namespace {

std::string_view content_type_of(const WebhookConfig& cfg) {
  if (cfg.batch.max_alerts > 1 && cfg.batch.format == BatchFormat::ndjson)
    return "application/x-ndjson";
  return "application/json";
}

// A spooled line back into a record; nullptr when the line is not an alert (a damaged spool).
RecordPtr record_from_line(std::string line) {
  auto a = alert_from_json(line);
  if (!a) return nullptr;
  auto r = std::make_shared<AlertRecord>();
  r->json = std::move(line);
  r->text = alert_to_text(*a);
  r->time_ns = a->time_ns;
  r->rule = a->rule;
  r->priority = a->priority;
  return r;
}

double seconds_since(uint64_t time_ns) {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return static_cast<double>(now - static_cast<int64_t>(time_ns)) / 1e9;
}

}  // namespace

std::unique_ptr<WebhookOutput> WebhookOutput::create(const WebhookConfig& cfg,
                                                     const std::string& auth_value,
                                                     const std::string& spool_dir,
                                                     OutputMetrics m, Diagnostics& diags) {
  std::unique_ptr<Spool> spool;
  if (cfg.spool.enabled) {
    std::string error;
    spool = Spool::open(spool_dir, cfg.spool.max_bytes, error);
    if (!spool) {
      diags.error("TH-O-SPOOL", cfg.pos, error, "webhook", cfg.name);
      return nullptr;
    }
    if (!spool->empty())
      spdlog::info("webhook '{}': {} alerts spooled by a previous run will be delivered first",
                   cfg.name, spool->alerts());
  }
  if (cfg.tls.insecure)
    spdlog::warn("webhook '{}': TLS certificate verification is OFF (tls.insecure)", cfg.name);
  return std::unique_ptr<WebhookOutput>(new WebhookOutput(cfg, auth_value, std::move(spool), m));
}

WebhookOutput::WebhookOutput(const WebhookConfig& cfg, const std::string& auth_value,
                             std::unique_ptr<Spool> spool, OutputMetrics m)
    : cfg_(cfg),
      m_(m),
      spool_(std::move(spool)),
      http_(cfg, content_type_of(cfg), auth_value),
      capacity_(std::max<std::size_t>(1, cfg.queue_size)),
      rng_(std::random_device{}()) {
  high_water_ = std::max<std::size_t>(1, capacity_ * 3 / 4);
  low_water_ = high_water_ / 2;
  update_spool_gauge();
  sender_ = std::thread([this] { sender_loop(); });
  if (spool_) spooler_ = std::thread([this] { spooler_loop(); });
}

WebhookOutput::~WebhookOutput() {
  begin_shutdown();
  finish_shutdown(Clock::now());
}

void WebhookOutput::update_spool_gauge() {
  m_.spool_bytes.set(spool_ ? static_cast<double>(spool_->bytes()) : 0.0);
}

void WebhookOutput::drop(const RecordPtr& rec, const char* why) {
  m_.dropped.inc();
  log_dropped_alert(cfg_.name, *rec, why);
}

std::size_t WebhookOutput::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t WebhookOutput::spooled_pending() const { return spool_ ? spool_->alerts() : 0; }

void WebhookOutput::enqueue(const RecordPtr& rec) {
  const char* why;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < capacity_) {
      queue_.push_back(rec);
      m_.queue_depth.set(static_cast<double>(queue_.size()));
      cv_.notify_all();
      return;
    }
    why = stopping_ ? "output is shutting down"
                    : (spool_ ? "queue full, the spool is not keeping up" : "queue full");
  }
  drop(rec, why);
}

void WebhookOutput::spool_records(const std::vector<RecordPtr>& recs, bool front,
                                  const char* why_drop) {
  if (recs.empty()) return;
  std::size_t stored = 0;
  if (spool_) {
    std::vector<std::string> lines;
    lines.reserve(recs.size());
    for (const auto& r : recs) lines.push_back(r->json);
    stored = front ? spool_->prepend(lines) : spool_->append(lines);
    m_.spooled.inc(stored);
    update_spool_gauge();
  }
  for (std::size_t i = stored; i < recs.size(); ++i) drop(recs[i], why_drop);
}

void WebhookOutput::spooler_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || queue_.size() >= high_water_; });
    if (stopping_) return;
    std::size_t n = queue_.size() - low_water_;
    std::vector<RecordPtr> moving(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    m_.queue_depth.set(static_cast<double>(queue_.size()));
    spooling_ = true;
    lock.unlock();
    if (spool_->empty())
      spdlog::warn("webhook '{}': the webhook is behind ({} alerts queued), spilling to the spool {}",
                   cfg_.name, n + low_water_, spool_->dir());
    spool_records(moving, /*front=*/false, "spool full");
    lock.lock();
    spooling_ = false;
    cv_.notify_all();
  }
}

bool WebhookOutput::take_from_spool(Batch& b) {
  for (;;) {
    auto lines = spool_->peek(cfg_.batch.max_alerts);
    if (lines.empty()) return false;
    b.recs.clear();
    for (auto& line : lines) {
      auto rec = record_from_line(std::move(line));
      if (!rec) break;
      b.recs.push_back(std::move(rec));
    }
    if (!b.recs.empty()) {
      b.from_spool = true;
      return true;
    }
    // The oldest spooled line is not an alert: count it as lost and go on.
    m_.dropped.inc();
    spdlog::error("webhook '{}': a spooled entry in {} is damaged and was dropped", cfg_.name,
                  spool_->dir());
    spool_->consume(1);
    update_spool_gauge();
  }
}

bool WebhookOutput::next_batch(Batch& b) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (abort_) return false;
    if (!spooling_) {
      // Draining ends when nothing is left in memory; what is in the spool is safe on disk.
      if (stopping_ && queue_.empty()) return false;
      if (spool_ && !spool_->empty()) {
        lock.unlock();
        if (take_from_spool(b)) return true;
        lock.lock();
        continue;
      }
      if (!queue_.empty()) {
        std::size_t max = cfg_.batch.max_alerts;
        if (max > 1 && queue_.size() < max && !stopping_) {
          // Give the batch up to max_delay to fill.
          cv_.wait_until(lock, Clock::now() + cfg_.batch.max_delay, [&] {
            return queue_.size() >= max || stopping_ || abort_.load() || spooling_;
          });
          if (spooling_ || queue_.empty()) continue;
        }
        std::size_t n = std::min(queue_.size(), max);
        b.recs.assign(queue_.begin(), queue_.begin() + n);
        b.from_spool = false;
        queue_.erase(queue_.begin(), queue_.begin() + n);
        m_.queue_depth.set(static_cast<double>(queue_.size()));
        inflight_ = b.recs;
        return true;
      }
    }
    cv_.wait(lock);
  }
}

std::string WebhookOutput::body_of(const Batch& b) const {
  if (cfg_.batch.max_alerts == 1) return b.recs.front()->json;
  std::string body;
  if (cfg_.batch.format == BatchFormat::ndjson) {
    for (const auto& r : b.recs) body += r->json + "\n";
    return body;
  }
  body = "[";
  for (std::size_t i = 0; i < b.recs.size(); ++i) {
    if (i) body += ',';
    body += b.recs[i]->json;
  }
  return body + "]";
}

bool WebhookOutput::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return abort_.load(); });
}

WebhookOutput::Outcome WebhookOutput::deliver(const Batch& b) {
  const std::string body = body_of(b);
  const std::size_t n = b.recs.size();
  const std::string url = redact_url(cfg_.url);
  for (uint32_t attempt = 1;; ++attempt) {
    if (abort_) return Outcome::aborted;
    if (attempt > 1) m_.retried.inc(n);
    auto timeout = cfg_.timeout;
    {
      std::lock_guard lock(mu_);
      if (deadline_ != Clock::time_point::max())  // draining: do not outlive the deadline
        timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        deadline_ - Clock::now()));
    }
    HttpResult r = http_.post(body, std::max(timeout, std::chrono::milliseconds(1)), abort_);
    if (r.aborted || abort_) return Outcome::aborted;
    switch (classify_http(r.transport_ok, r.status)) {
      case DeliveryVerdict::delivered:
        m_.delivered.inc(n);
        for (const auto& rec : b.recs) m_.latency.observe(seconds_since(rec->time_ns));
        if (!healthy_.exchange(true))
          spdlog::info("webhook '{}' ({}): delivering again (HTTP {})", cfg_.name, url, r.status);
        return Outcome::delivered;
      case DeliveryVerdict::reject:
        m_.rejected.inc(n);
        healthy_ = true;  // reachable; the alerts themselves were refused
        spdlog::error("webhook '{}' ({}): {} alert(s) rejected with HTTP {}, not retried: {}",
                      cfg_.name, url, n, r.status, r.body_excerpt);
        for (const auto& rec : b.recs)
          spdlog::error("webhook '{}': rejected alert: rule '{}', priority {}, time {}",
                        cfg_.name, rec->rule, priority_name(rec->priority),
                        format_rfc3339_ns(rec->time_ns));
        return Outcome::rejected;
      case DeliveryVerdict::retry:
        break;
    }
    healthy_ = false;
    std::string what = r.transport_ok ? "HTTP " + std::to_string(r.status) : r.error;
    if (cfg_.retry.max_attempts && attempt >= cfg_.retry.max_attempts) {
      spdlog::error("webhook '{}' ({}): {}; giving up after {} attempts", cfg_.name, url, what,
                    attempt);
      for (const auto& rec : b.recs) drop(rec, "retries exhausted");
      return Outcome::dropped;
    }
    auto delay =
        backoff_delay(attempt, cfg_.retry.initial_backoff, cfg_.retry.max_backoff, rng_);
    if (r.retry_after) delay = *r.retry_after;
    spdlog::warn("webhook '{}' ({}): {}; retry {} in {} ms", cfg_.name, url, what, attempt,
                 delay.count());
    if (!pause(delay)) return Outcome::aborted;
  }
}

void WebhookOutput::sender_loop() {
  Batch b;
  while (next_batch(b)) {
    Outcome o = deliver(b);
    if (o == Outcome::aborted) break;  // finish_shutdown spools the in-flight batch
    if (b.from_spool) {
      spool_->consume(b.recs.size());
      update_spool_gauge();
    } else {
      std::lock_guard lock(mu_);
      inflight_.clear();
    }
  }
  std::lock_guard lock(mu_);
  sender_done_ = true;
  cv_.notify_all();
}

void WebhookOutput::begin_shutdown() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void WebhookOutput::finish_shutdown(Clock::time_point deadline) {
  if (!sender_.joinable()) return;
  {
    std::unique_lock lock(mu_);
    deadline_ = deadline;
    cv_.wait_until(lock, deadline, [&] { return sender_done_; });
    abort_ = true;
    cv_.notify_all();
  }
  sender_.join();
  if (spooler_.joinable()) spooler_.join();
  // Only this thread is left: what was not delivered goes to the spool, oldest first.
  std::vector<RecordPtr> inflight;
  std::vector<RecordPtr> rest;
  {
    std::lock_guard lock(mu_);
    inflight.swap(inflight_);
    rest.assign(queue_.begin(), queue_.end());
    queue_.clear();
    m_.queue_depth.set(0);
  }
  const char* why = spool_ ? "spool full at shutdown" : "not delivered before the drain timeout";
  spool_records(inflight, /*front=*/true, why);
  spool_records(rest, /*front=*/false, why);
  if (spool_) {
    spool_->flush();
    update_spool_gauge();
    if (!spool_->empty())
      spdlog::info("webhook '{}': {} alerts left in the spool {} for the next start", cfg_.name,
                   spool_->alerts(), spool_->dir());
  }
}

}  // namespace th
