// An HTTP webhook output: alerts are POSTed in order, one per request or batched, with retries,
// and spill to an on-disk Spool when the webhook cannot keep up or is down.
//
// Threads and order. emit() -> enqueue() only appends to a bounded in-memory queue. A sender
// thread delivers the oldest alert first: from the spool while it holds any, else from the queue.
// A spooler thread moves alerts from the front of the queue to the back of the spool once the
// queue is 3/4 full, so the queue always has room for new alerts while the webhook is slow or
// down; the sender waits while the spooler holds alerts, so the delivery order is the emit order.
// Only when the queue is full while the spool is full too (or disabled) is an alert dropped;
// every drop is counted and logged.
//
// Answers. 2xx: delivered. No answer (connection refused, timeout, TLS error), 5xx and 429:
// retried with exponential backoff and jitter (429/503 Retry-After is honoured), forever by
// default or up to retry.max_attempts (then dropped). Any other status: rejected, logged and
// counted, not retried.
//
// Shutdown. begin_shutdown() stops taking alerts; the sender keeps delivering until the queue is
// empty or the deadline passes; then the transfer in progress is aborted, the batch it carried
// goes back to the front of the spool and the rest of the queue to its back. The next start
// delivers the spool first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "engine/config/config.h"
#include "engine/output/http_client.h"
#include "engine/output/output.h"
#include "engine/output/spool.h"

namespace th {

class WebhookOutput : public Output {
 public:
  // nullptr with a TH-O-WEBHOOK / TH-O-SPOOL diagnostic when the spool directory is unusable.
  static std::unique_ptr<WebhookOutput> create(const WebhookConfig& cfg,
                                               const std::string& auth_value,
                                               const std::string& spool_dir, OutputMetrics m,
                                               Diagnostics& diags);
  ~WebhookOutput() override;

  const std::string& name() const override { return cfg_.name; }
  void enqueue(const RecordPtr& rec) override;
  void begin_shutdown() override;
  void finish_shutdown(Clock::time_point deadline) override;
  bool healthy() const override { return healthy_.load(); }
  std::size_t queue_depth() const override;
  // Alerts waiting in the spool.
  std::size_t spooled_pending() const;

 private:
  struct Batch {
    std::vector<RecordPtr> recs;
    bool from_spool = false;
  };
  enum class Outcome { delivered, rejected, dropped, aborted };

  WebhookOutput(const WebhookConfig& cfg, const std::string& auth_value,
                std::unique_ptr<Spool> spool, OutputMetrics m);
  void sender_loop();
  void spooler_loop();
  bool next_batch(Batch& b);
  bool take_from_spool(Batch& b);
  Outcome deliver(const Batch& b);
  std::string body_of(const Batch& b) const;
  // Sleeps `d` unless aborted first; false when aborted.
  bool pause(std::chrono::milliseconds d);
  // Writes to the spool (front or back); counts spooled and dropped; logs each drop.
  void spool_records(const std::vector<RecordPtr>& recs, bool front, const char* why_drop);
  void drop(const RecordPtr& rec, const char* why);
  void update_spool_gauge();

  WebhookConfig cfg_;
  OutputMetrics m_;
  std::unique_ptr<Spool> spool_;  // null when the spool is disabled
  HttpClient http_;
  std::size_t capacity_;
  std::size_t high_water_;  // the spooler starts moving alerts at this depth...
  std::size_t low_water_;   // ...down to this one

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecordPtr> queue_;
  std::vector<RecordPtr> inflight_;  // a batch from the queue being delivered
  bool stopping_ = false;
  bool spooling_ = false;  // the spooler holds alerts taken from the queue
  bool sender_done_ = false;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::atomic<bool> abort_{false};
  std::atomic<bool> healthy_{true};
  std::mt19937_64 rng_;
  std::thread sender_;
  std::thread spooler_;
};

}  // namespace th
