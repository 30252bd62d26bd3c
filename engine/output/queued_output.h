// The common shape of a local output (stdout, file, syslog): a bounded in-memory queue and one
// worker thread that writes batches. A full queue drops the least severe alert (see
// alert_queue.h; counted and logged), or, with block_when_full (replay), makes enqueue() wait
// for room; on shutdown the worker drains until the deadline, then what is left is counted as
// dropped. A write blocked for longer than kStalledAfter makes the output degraded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/output/alert_queue.h"
#include "engine/output/output.h"

namespace th {

class QueuedOutput : public Output {
 public:
  static constexpr auto kStalledAfter = std::chrono::seconds(5);

  QueuedOutput(std::string name, std::size_t capacity, OutputMetrics metrics,
               bool block_when_full = false);
  ~QueuedOutput() override;

  const std::string& name() const override { return name_; }
  void enqueue(const RecordPtr& rec) override;
  void begin_shutdown() override;
  void finish_shutdown(Clock::time_point deadline) override;
  std::size_t queue_depth() const override;
  uint64_t lost() const override { return lost_.load(); }
  // A stalled write, else the subclass's write_problem().
  std::string problem() const override;

 protected:
  // Subclasses call start() at the end of their constructor (the worker calls write()).
  void start();
  // Writes the batch in order; returns how many were written (the rest count as dropped).
  // Should give up when aborting() turns true.
  virtual std::size_t write(const std::vector<RecordPtr>& batch) = 0;
  // Called by the worker before each batch and, while the queue is empty, soon after nudge()
  // (e.g. to reopen a file). An idle worker sleeps until then: no periodic wakeup.
  virtual void tick() {}
  // Asks the worker to run tick() now even with nothing to write. Not async-signal-safe (it
  // takes the queue's lock): signals reach the outputs through the loop's signalfd.
  void nudge();
  // Why the last write failed, while it matters ("" when fine).
  virtual std::string write_problem() const { return {}; }
  bool aborting() const { return abort_.load(std::memory_order_relaxed); }
  const std::atomic<bool>& abort_flag() const { return abort_; }
  OutputMetrics& metrics() { return m_; }

 private:
  void run();
  void drop(const RecordPtr& rec, const char* why);

  std::string name_;
  OutputMetrics m_;
  const bool block_when_full_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  AlertQueue queue_;
  std::atomic<uint64_t> lost_{0};
  std::atomic<int64_t> writing_since_ns_{0};  // steady clock; 0 when no write is in progress
  bool stopping_ = false;
  bool busy_ = false;  // the worker holds a batch
  bool nudged_ = false;  // nudge() since the worker's last tick()
  std::atomic<bool> abort_{false};
  std::thread worker_;
};

}  // namespace th
