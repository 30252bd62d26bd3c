#include "engine/output/webhook_output.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "engine/output/retry_policy.h"

namespace th {
namespace {

constexpr auto kSyncInterval = std::chrono::seconds(1);

std::string_view content_type_of(const WebhookConfig& cfg) {
  if (cfg.batch.max_alerts > 1 && cfg.batch.format == BatchFormat::ndjson)
    return "application/x-ndjson";
  return "application/json";
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
                                                     OutputMetrics m, Diagnostics& diags,
                                                     bool block_when_full) {
  // First: without the HTTP module the webhook can never deliver, and the spool is left alone.
  std::string http_error;
  auto http = HttpClient::create(cfg, content_type_of(cfg), auth_value, http_error);
  if (!http) {
    diags.error("TH-O-HTTP", cfg.pos, http_error, "webhook", cfg.name);
    return nullptr;
  }
  std::unique_ptr<Spool> spool;
  if (cfg.spool.enabled) {
    std::string error;
    spool = Spool::open(spool_dir, cfg.spool.max_bytes, error);
    if (!spool) {
      diags.error("TH-O-SPOOL", cfg.pos, error, "webhook", cfg.name);
      return nullptr;
    }
    if (spool->damaged_at_open()) {
      spdlog::error("webhook '{}': {} damaged entries in the spool {} cannot be delivered",
                    cfg.name, spool->damaged_at_open(), spool->dir());
      m.dropped.inc(spool->damaged_at_open());
    }
    if (!spool->empty())
      spdlog::info("webhook '{}': {} alerts spooled by a previous run will be delivered first",
                   cfg.name, spool->alerts());
  }
  if (cfg.tls.insecure)
    spdlog::warn("webhook '{}': TLS certificate verification is OFF (tls.insecure)", cfg.name);
  return std::unique_ptr<WebhookOutput>(
      new WebhookOutput(cfg, std::move(http), std::move(spool), m, block_when_full));
}

WebhookOutput::WebhookOutput(const WebhookConfig& cfg, std::unique_ptr<HttpClient> http,
                             std::unique_ptr<Spool> spool, OutputMetrics m, bool block_when_full)
    : cfg_(cfg),
      m_(m),
      spool_(std::move(spool)),
      http_(std::move(http)),
      block_when_full_(block_when_full),
      memory_(std::max<std::size_t>(1, cfg.queue_size)),
      rng_(std::random_device{}()) {
  update_gauges();
  sender_ = std::thread([this] { sender_loop(); });
  if (spool_) syncer_ = std::thread([this] { syncer_loop(); });
}

WebhookOutput::~WebhookOutput() {
  begin_shutdown();
  finish_shutdown(Clock::now());
}

void WebhookOutput::update_gauges() {
  m_.spool_bytes.set(spool_ ? static_cast<double>(spool_->bytes()) : 0.0);
  m_.queue_depth.set(static_cast<double>(queue_depth()));
}

std::size_t WebhookOutput::queue_depth() const {
  std::lock_guard lock(mu_);
  return pending_locked();
}

std::size_t WebhookOutput::pending_locked() const {
  return memory_.size() + (spool_ ? spool_->alerts() : 0);
}

std::size_t WebhookOutput::spooled_pending() const { return spool_ ? spool_->alerts() : 0; }

uint64_t WebhookOutput::undelivered() const { return lost() + rejected_.load() + queue_depth(); }

void WebhookOutput::set_problem(std::string p) {
  std::lock_guard lock(mu_);
  problem_ = std::move(p);
}

std::string WebhookOutput::problem() const {
  std::lock_guard lock(mu_);
  if (spool_failing_) return "cannot write the spool " + spool_->dir() + ": " + problem_;
  return problem_;
}

bool WebhookOutput::to_spool(const RecordPtr& rec) {
  Spool::Appended a = spool_->append(rec->json, rec->priority);
  for (const auto& line : a.evicted) {
    auto victim = record_from_line(line);
    count_dropped_alert(m_, cfg_.name, victim ? *victim : *rec,
                        "spool full, evicted for a more severe alert");
    ++lost_;
  }
  if (a.stored) {
    m_.spooled.inc();
    std::lock_guard lock(mu_);
    if (spool_failing_) {
      spool_failing_ = false;
      spdlog::info("webhook '{}': the spool {} is written again", cfg_.name, spool_->dir());
    }
    return true;
  }
  if (a.error) {
    std::lock_guard lock(mu_);
    if (!spool_failing_)
      spdlog::error("webhook '{}': cannot write the spool {} ({}): alerts wait in memory, where "
                    "a crash would lose them",
                    cfg_.name, spool_->dir(), std::strerror(a.error));
    spool_failing_ = true;
  }
  return false;
}

void WebhookOutput::to_memory(const RecordPtr& rec, std::unique_lock<std::mutex>& lock) {
  if (block_when_full_)
    cv_.wait(lock, [&] { return !memory_.full() || abort_.load(); });
  AlertQueue::Pushed p = memory_.push(rec);
  const RecordPtr& gone = p.stored ? p.evicted : rec;
  if (gone) {
    lock.unlock();
    count_dropped_alert(m_, cfg_.name, *gone, "queue full");
    ++lost_;
    lock.lock();
  }
}

void WebhookOutput::enqueue(const RecordPtr& rec) {
  {
    std::unique_lock lock(mu_);
    if (stopping_) {
      lock.unlock();
      count_dropped_alert(m_, cfg_.name, *rec, "output is shutting down");
      ++lost_;
      return;
    }
  }
  bool stored = false;
  if (spool_) {
    stored = to_spool(rec);
    // Replay blocks instead of dropping: wait for the sender to make room.
    while (!stored && block_when_full_ && !spool_failing_ && !abort_) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      lock.unlock();
      stored = to_spool(rec);
    }
  }
  std::unique_lock lock(mu_);
  if (!stored) {
    if (spool_ && !spool_failing_) {
      // Full of alerts at least as severe: the newcomer is the one to go.
      lock.unlock();
      count_dropped_alert(m_, cfg_.name, *rec, "spool full");
      ++lost_;
      lock.lock();
    } else {
      to_memory(rec, lock);
    }
  }
  lock.unlock();
  cv_.notify_all();
  update_gauges();
}

bool WebhookOutput::take_from_spool(Batch& b, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  b.recs.clear();
  auto lines = spool_->peek(cfg_.batch.max_alerts);
  std::size_t damaged = 0;
  for (auto& line : lines) {
    auto rec = record_from_line(line);
    if (!rec && b.recs.empty()) {
      ++damaged;  // the oldest entries are not alerts: count them as lost and go on
      continue;
    }
    if (!rec) break;
    b.recs.push_back(std::move(rec));
  }
  if (damaged) {
    m_.dropped.inc(damaged);
    lost_ += damaged;
    spdlog::error("webhook '{}': {} damaged entries in the spool {} were dropped", cfg_.name,
                  damaged, spool_->dir());
    spool_->consume(damaged);
  }
  lock.lock();
  b.from_spool = true;
  return !b.recs.empty();
}

bool WebhookOutput::next_batch(Batch& b) {
  std::unique_lock lock(mu_);
  const std::size_t max = cfg_.batch.max_alerts;
  for (;;) {
    if (abort_) return false;
    std::size_t pending = pending_locked();
    if (pending == 0) {
      if (stopping_) return false;  // drained
      cv_.wait(lock);
      continue;
    }
    if (max > 1 && pending < max && !stopping_) {
      // Give the batch up to max_delay to fill.
      cv_.wait_until(lock, Clock::now() + cfg_.batch.max_delay,
                     [&] { return pending_locked() >= max || stopping_ || abort_.load(); });
    }
    // The spool holds the oldest alerts: those of the memory queue came while it failed.
    if (spool_ && !spool_->empty()) {
      if (take_from_spool(b, lock)) return true;
      continue;
    }
    b.recs = memory_.take(max);
    b.from_spool = false;
    inflight_ = b.recs;
    cv_.notify_all();  // room in the queue for a blocked enqueue
    if (!b.recs.empty()) return true;
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
  std::string ids;
  for (const auto& r : b.recs)
    if (!r->uuid.empty()) ids += (ids.empty() ? "" : ",") + r->uuid;
  std::vector<std::string> headers;
  if (!ids.empty()) headers.push_back("X-Tracehound-Alert-Id: " + ids);
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
    HttpResult r =
        http_->post(body, std::max(timeout, std::chrono::milliseconds(1)), abort_, headers);
    if (r.aborted || abort_) return Outcome::aborted;
    switch (classify_http(r.transport_ok, r.status)) {
      case DeliveryVerdict::delivered:
        m_.delivered.inc(n);
        for (const auto& rec : b.recs) m_.latency.observe(seconds_since(rec->time_ns));
        if (!problem().empty() && rejected_in_a_row_ == 0)
          spdlog::info("webhook '{}' ({}): delivering again (HTTP {})", cfg_.name, url, r.status);
        rejected_in_a_row_ = 0;
        set_problem({});
        return Outcome::delivered;
      case DeliveryVerdict::reject:
        m_.rejected.inc(n);
        rejected_ += n;
        rejected_in_a_row_ += static_cast<uint32_t>(n);
        // Reachable, but every alert since the last delivery was refused: degraded.
        set_problem("the last " + std::to_string(rejected_in_a_row_) +
                    " alert(s) were rejected with HTTP " + std::to_string(r.status));
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
    std::string what = r.transport_ok ? "HTTP " + std::to_string(r.status) : r.error;
    set_problem("delivery failing: " + what + " (attempt " + std::to_string(attempt) + ")");
    if (cfg_.retry.max_attempts && attempt >= cfg_.retry.max_attempts) {
      spdlog::error("webhook '{}' ({}): {}; giving up after {} attempts", cfg_.name, url, what,
                    attempt);
      for (const auto& rec : b.recs) count_dropped_alert(m_, cfg_.name, *rec, "retries exhausted");
      lost_ += n;
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
    if (o == Outcome::aborted) break;  // finish_shutdown keeps what is left
    if (b.from_spool) {
      spool_->consume(b.recs.size());
    } else {
      std::lock_guard lock(mu_);
      inflight_.clear();
    }
    update_gauges();
    cv_.notify_all();  // room for a blocked enqueue
  }
  std::lock_guard lock(mu_);
  sender_done_ = true;
  cv_.notify_all();
}

void WebhookOutput::syncer_loop() {
  std::unique_lock lock(mu_);
  while (!abort_) {
    cv_.wait_for(lock, kSyncInterval, [&] { return abort_.load(); });
    lock.unlock();
    spool_->sync();
    lock.lock();
  }
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
  if (syncer_.joinable()) syncer_.join();
  // Only this thread is left. What only memory held goes to the spool if it can, oldest first.
  std::vector<RecordPtr> left;
  {
    std::lock_guard lock(mu_);
    left.swap(inflight_);
    for (auto& r : memory_.take_all()) left.push_back(std::move(r));
  }
  for (const auto& rec : left) {
    if (spool_ && to_spool(rec)) continue;
    count_dropped_alert(m_, cfg_.name, *rec, "not delivered before the drain timeout");
    ++lost_;
  }
  if (spool_) {
    spool_->sync();
    if (!spool_->empty())
      spdlog::info("webhook '{}': {} alerts left in the spool {} for the next start", cfg_.name,
                   spool_->alerts(), spool_->dir());
  }
  update_gauges();
}

}  // namespace th
