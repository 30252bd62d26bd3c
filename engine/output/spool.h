// A bounded, crash-safe FIFO of alerts on disk, one directory per webhook output.
//
// Alerts are stored as JSON Lines in segment files named by a sequence number
// (00000000004294967296.jsonl...), oldest first. Each segment is written to a temporary file,
// fsynced, renamed into place and the directory fsynced, so that a segment is either entirely
// there or not at all. Files are 0600, the directory 0700. Delivery consumes alerts from the
// oldest segment; a segment's file is removed once all of it is delivered. After a crash, the
// partly delivered front segment is delivered again from its start (at-least-once, at most
// kSegmentAlerts duplicates); a clean close rewrites it without the delivered alerts.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace th {

class Spool {
 public:
  static constexpr std::size_t kSegmentAlerts = 64;

  // Creates the directory if needed and indexes the segments already there (a previous run's).
  // nullptr with `error` set when the directory cannot be created or read.
  static std::unique_ptr<Spool> open(const std::string& dir, uint64_t max_bytes,
                                     std::string& error);
  ~Spool();

  // Stores as many of `lines` (one alert each, no newline) as fit under max_bytes, in order,
  // after everything stored; returns how many (the caller counts the rest as dropped).
  std::size_t append(const std::vector<std::string>& lines);
  // The same, before everything stored: for alerts older than the whole spool (a batch that was
  // in flight from memory when shutdown came). Both store a prefix of `lines`.
  std::size_t prepend(const std::vector<std::string>& lines);
  // Up to `max` of the oldest alerts, still stored. Empty when the spool is empty.
  std::vector<std::string> peek(std::size_t max);
  // Forgets the `n` oldest alerts (those peek returned), after they were delivered or rejected.
  void consume(std::size_t n);
  // Rewrites the partly delivered front segment without its delivered alerts.
  void flush();

  bool empty() const;
  uint64_t bytes() const;
  std::size_t alerts() const;
  const std::string& dir() const { return dir_; }

 private:
  struct Segment {
    uint64_t seq;
    uint64_t bytes;
    std::size_t alerts;
  };
  Spool(std::string dir, uint64_t max_bytes, int dir_fd);
  std::string path_of(uint64_t seq) const;
  bool write_segment(uint64_t seq, const std::vector<std::string>& lines, std::size_t begin,
                     std::size_t end, uint64_t& bytes_out, bool sync = true);
  void sync_dir();
  bool load_front();
  void flush_locked();
  void drop_front_segment();
  // How many of lines[begin..] fit in the room left, at most kSegmentAlerts.
  std::size_t fit(const std::vector<std::string>& lines, std::size_t begin, uint64_t& bytes) const;

  std::string dir_;
  uint64_t max_bytes_;
  int dir_fd_;
  mutable std::mutex mu_;
  std::deque<Segment> segments_;
  uint64_t bytes_ = 0;
  std::size_t alerts_ = 0;
  uint64_t next_seq_ = 0;
  // The front segment's alerts, loaded on first peek, and how many of them were consumed.
  std::vector<std::string> front_;
  bool front_loaded_ = false;
  std::size_t front_consumed_ = 0;
};

}  // namespace th
