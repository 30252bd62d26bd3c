#include "engine/output/queued_output.h"

#include <spdlog/spdlog.h>

namespace th {

void log_dropped_alert(const std::string& output, const AlertRecord& rec, const char* why) {
  spdlog::warn("output '{}': alert dropped ({}): rule '{}', priority {}, time {}", output, why,
               rec.rule, priority_name(rec.priority), format_rfc3339_ns(rec.time_ns));
}

QueuedOutput::QueuedOutput(std::string name, std::size_t capacity, OutputMetrics metrics)
    : name_(std::move(name)), capacity_(capacity ? capacity : 1), m_(metrics) {}

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
  m_.dropped.inc();
  log_dropped_alert(name_, *rec, why);
}

void QueuedOutput::enqueue(const RecordPtr& rec) {
  const char* why;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < capacity_) {
      queue_.push_back(rec);
      m_.queue_depth.set(static_cast<double>(queue_.size()));
      cv_.notify_one();
      return;
    }
    why = stopping_ ? "output is shutting down" : "queue full";
  }
  drop(rec, why);
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
      while (queue_.empty() && !stopping_) {
        cv_.wait_for(lock, std::chrono::milliseconds(100));
        if (queue_.empty()) {
          lock.unlock();
          tick();
          lock.lock();
        }
      }
      if (queue_.empty() || abort_) return;  // stopping and drained, or out of time
      batch.assign(queue_.begin(), queue_.begin() + std::min<std::size_t>(queue_.size(), 256));
      queue_.erase(queue_.begin(), queue_.begin() + batch.size());
      m_.queue_depth.set(static_cast<double>(queue_.size()));
      busy_ = true;
    }
    tick();
    std::size_t written = write(batch);
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
  std::deque<RecordPtr> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
    m_.queue_depth.set(0);
  }
  for (const auto& rec : left) drop(rec, "not written before the drain timeout");
}

}  // namespace th
