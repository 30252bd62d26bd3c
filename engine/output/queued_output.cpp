#include "engine/output/queued_output.h"

#include <spdlog/spdlog.h>

namespace th {

namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}
}  // namespace

QueuedOutput::QueuedOutput(std::string name, std::size_t capacity, OutputMetrics metrics,
                           bool block_when_full)
    : name_(std::move(name)), m_(metrics), block_when_full_(block_when_full), queue_(capacity) {}

QueuedOutput::~QueuedOutput() {
  // Subclasses call finish_shutdown in their destructors; this is the last guard so that the
  // worker never outlives the object.
  if (worker_.joinable()) {
    begin_shutdown();
    abort_ = true;
    cv_.notify_all();
    worker_.join();
  }
}

void QueuedOutput::start() { worker_ = std::thread([this] { run(); }); }

void QueuedOutput::drop(const RecordPtr& rec, const char* why) {
  ++lost_;
  count_dropped_alert(m_, name_, *rec, why);
}

void QueuedOutput::enqueue(const RecordPtr& rec) {
  RecordPtr gone;
  const char* why = "queue full";
  {
    std::unique_lock lock(mu_);
    if (block_when_full_)
      cv_.wait(lock, [&] { return stopping_ || !queue_.full(); });
    if (stopping_) {
      gone = rec;
      why = "output is shutting down";
    } else {
      AlertQueue::Pushed p = queue_.push(rec);
      gone = p.stored ? p.evicted : rec;
      m_.queue_depth.set(static_cast<double>(queue_.size()));
      cv_.notify_all();
    }
  }
  if (gone) drop(gone, why);
}

std::string QueuedOutput::problem() const {
  int64_t since = writing_since_ns_.load();
  if (since && steady_ns() - since > std::chrono::nanoseconds(kStalledAfter).count())
    return "a write has been blocked for " + std::to_string((steady_ns() - since) / 1'000'000'000) +
           " s (the destination does not take alerts)";
  return write_problem();
}

std::size_t QueuedOutput::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void QueuedOutput::run() {
  std::vector<RecordPtr> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      cv_.notify_all();
      // No timeout: an idle output costs nothing. tick()'s work is asked for through nudge().
      while (queue_.empty() && !stopping_) {
        cv_.wait(lock, [&] { return !queue_.empty() || stopping_ || nudged_; });
        if (nudged_ && queue_.empty()) {
          nudged_ = false;
          lock.unlock();
          tick();
          lock.lock();
        }
      }
      nudged_ = false;  // tick() runs before the batch below
      if (queue_.empty() || abort_) return;  // stopping and drained, or out of time
      batch = queue_.take(256);
      m_.queue_depth.set(static_cast<double>(queue_.size()));
      busy_ = true;
      cv_.notify_all();  // room for a blocked enqueue
    }
    tick();
    writing_since_ns_ = steady_ns();
    std::size_t written = write(batch);
    writing_since_ns_ = 0;
    auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i < written) {
        m_.delivered.inc();
        m_.latency.observe(static_cast<double>(now_ns - static_cast<int64_t>(batch[i]->time_ns)) /
                           1e9);
      } else {
        drop(batch[i], "write failed");
      }
    }
    batch.clear();
  }
}

void QueuedOutput::nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

void QueuedOutput::begin_shutdown() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void QueuedOutput::finish_shutdown(Clock::time_point deadline) {
  if (!worker_.joinable()) return;
  {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return queue_.empty() && !busy_; });
    abort_ = true;  // a write still blocked gives up
    cv_.notify_all();
  }
  worker_.join();
  std::vector<RecordPtr> left;
  {
    std::lock_guard lock(mu_);
    left = queue_.take_all();
    m_.queue_depth.set(0);
  }
  for (const auto& rec : left) drop(rec, "not written before the drain timeout");
}

}  // namespace th
