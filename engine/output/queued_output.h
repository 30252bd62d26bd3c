// The common shape of a local output (stdout, file, syslog): a bounded in-memory queue and one
// worker thread that writes batches. A full queue drops the alert (counted and logged); on
// shutdown the worker drains until the deadline, then what is left is counted as dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/output/output.h"

namespace th {

class QueuedOutput : public Output {
 public:
  QueuedOutput(std::string name, std::size_t capacity, OutputMetrics metrics);
  ~QueuedOutput() override;

  const std::string& name() const override { return name_; }
  void enqueue(const RecordPtr& rec) override;
  void begin_shutdown() override;
  void finish_shutdown(Clock::time_point deadline) override;
  std::size_t queue_depth() const override;

 protected:
  // Subclasses call start() at the end of their constructor (the worker calls write()).
  void start();
  // Writes the batch in order; returns how many were written (the rest count as dropped).
  // Should give up when aborting() turns true.
  virtual std::size_t write(const std::vector<RecordPtr>& batch) = 0;
  // Called by the worker between batches and at least every 100 ms (e.g. to reopen a file).
  virtual void tick() {}
  bool aborting() const { return abort_.load(std::memory_order_relaxed); }
  const std::atomic<bool>& abort_flag() const { return abort_; }
  OutputMetrics& metrics() { return m_; }

 private:
  void run();
  void drop(const RecordPtr& rec, const char* why);

  std::string name_;
  std::size_t capacity_;
  OutputMetrics m_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecordPtr> queue_;
  bool stopping_ = false;
  bool busy_ = false;  // the worker holds a batch
  std::atomic<bool> abort_{false};
  std::thread worker_;
};

// Logs one dropped alert (rule, priority, time), as every drop is.
void log_dropped_alert(const std::string& output, const AlertRecord& rec, const char* why);

}  // namespace th
