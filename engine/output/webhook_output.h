// An HTTP webhook output: alerts are POSTed in order, one per request or batched, with retries.
//
// Write-ahead. With the spool enabled (the default), enqueue() appends each alert to the
// webhook's Spool on disk before it returns, and the sender delivers from there: an alert
// accepted for the webhook survives SIGKILL or an OOM kill at any moment and is delivered after
// the restart (see spool.h for the duplicates a crash can cause). Every alert carries a stable
// "uuid" (in its JSON, and in the X-Tracehound-Alert-Id header, comma-separated for batches) so
// that a receiver can drop duplicates. Without the spool, or while the spool cannot be written
// (disk full, I/O error), alerts wait in a bounded in-memory queue instead (lost on a crash;
// the output reports itself degraded meanwhile).
//
// Bounds. When the spool (or the memory queue) is full, the least severe alerts go first: a
// newcomer evicts the oldest alert of the least severe priority held that is less severe than
// itself, and is dropped only when nothing less severe is held. Every drop is counted, by
// priority too, and logged.
//
// Answers. 2xx: delivered. No answer (connection refused, timeout, TLS error), 5xx and 429:
// retried with exponential backoff and jitter (429/503 Retry-After is honoured), forever by
// default or up to retry.max_attempts (then dropped). Any other status: rejected, logged and
// counted, not retried.
//
// Shutdown. begin_shutdown() stops taking alerts; the sender keeps delivering until nothing is
// pending or the deadline passes; then the transfer in progress is aborted. What is in the spool
// stays there for the next start; what only the memory queue held goes to the spool if it can.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "engine/config/config.h"
#include "engine/output/alert_queue.h"
#include "engine/output/http_client.h"
#include "engine/output/output.h"
#include "engine/output/spool.h"

namespace th {

class WebhookOutput : public Output {
 public:
  // nullptr with a TH-O-SPOOL diagnostic when the spool directory is unusable, TH-O-HTTP when
  // the HTTP module cannot be loaded.
  static std::unique_ptr<WebhookOutput> create(const WebhookConfig& cfg,
                                               const std::string& auth_value,
                                               const std::string& spool_dir, OutputMetrics m,
                                               Diagnostics& diags, bool block_when_full = false);
  ~WebhookOutput() override;

  const std::string& name() const override { return cfg_.name; }
  void enqueue(const RecordPtr& rec) override;
  void begin_shutdown() override;
  void finish_shutdown(Clock::time_point deadline) override;
  std::string problem() const override;
  std::size_t queue_depth() const override;
  uint64_t lost() const override { return lost_.load(); }
  uint64_t undelivered() const override;
  // Alerts waiting in the spool.
  std::size_t spooled_pending() const;

 private:
  struct Batch {
    std::vector<RecordPtr> recs;
    bool from_spool = false;
  };
  enum class Outcome { delivered, rejected, dropped, aborted };

  WebhookOutput(const WebhookConfig& cfg, std::unique_ptr<HttpClient> http,
                std::unique_ptr<Spool> spool, OutputMetrics m, bool block_when_full);
  void sender_loop();
  void syncer_loop();
  bool next_batch(Batch& b);
  bool take_from_spool(Batch& b, std::unique_lock<std::mutex>& lock);
  std::size_t pending_locked() const;
  Outcome deliver(const Batch& b);
  std::string body_of(const Batch& b) const;
  // Sleeps `d` unless aborted first; false when aborted.
  bool pause(std::chrono::milliseconds d);
  // Stores in the spool; false when it could not (full or write error), then `rec` is not kept.
  bool to_spool(const RecordPtr& rec);
  void to_memory(const RecordPtr& rec, std::unique_lock<std::mutex>& lock);
  void set_problem(std::string p);
  void update_gauges();

  WebhookConfig cfg_;
  OutputMetrics m_;
  std::unique_ptr<Spool> spool_;  // null when the spool is disabled
  std::unique_ptr<HttpClient> http_;
  const bool block_when_full_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  AlertQueue memory_;                // without a spool, or while it cannot be written
  std::vector<RecordPtr> inflight_;  // a batch from memory being delivered
  bool stopping_ = false;
  bool sender_done_ = false;
  bool spool_failing_ = false;
  std::string problem_;
  uint32_t rejected_in_a_row_ = 0;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::atomic<bool> abort_{false};
  std::atomic<uint64_t> lost_{0};
  std::atomic<uint64_t> rejected_{0};
  std::mt19937_64 rng_;
  std::thread sender_;
  std::thread syncer_;
};

}  // namespace th
