// A webhook's write-ahead spool: a bounded FIFO of alerts on disk, one directory per webhook
// destination. Every alert accepted for the webhook is appended here before emit() returns and
// leaves only once it was delivered (or refused for good), so that a SIGKILL or an OOM kill at
// any moment loses nothing that was accepted.
//
// Layout. Segment files named by a sequence number (00000000004294967296.jsonl...), oldest
// first, each up to kSegmentAlerts alerts as JSON Lines; new alerts are appended (write(2)) to
// the newest one, the head. A file `cursor` holds "<segment> <offset>": everything before that
// point was delivered; it is rewritten (pwrite, no fsync) after each delivery. Files are 0600,
// opened with O_NOFOLLOW; the directory is 0700 and locked (one tracehound per spool).
//
// Crash safety. The page cache survives the death of the process, so a write(2) that returned
// is durable against SIGKILL and OOM without an fsync: no accepted alert is lost, and after a
// restart the alerts from the cursor on are delivered again: at most the batch that was being
// delivered when the process died is delivered twice (at-least-once). A write that the kill
// cut short leaves a torn last line without its newline, which the next open truncates (that
// alert had not been accepted: its emit() had not returned). Against power loss or a kernel
// crash, sync() (called every second by the webhook output) bounds the loss to the alerts of
// the last second.
//
// Bounds. At most max_bytes of undelivered alerts. When an alert does not fit, the least severe
// alerts stored that are less severe than it are evicted, oldest first (at least 1/64 of
// max_bytes at a time, from one segment, so that evicting costs one rewrite per many alerts);
// when none is, the newcomer is refused. Alerts handed out
// by peek() and not yet consumed are never evicted.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/priority.h"
#include "engine/output/alert_queue.h"
#include "engine/output/fd_writer.h"

namespace th {

// One alert line of a segment file.
struct SegmentLine {
  uint64_t offset = 0;  // of its first byte in the file
  uint32_t length = 0;  // without the newline
  Priority priority = Priority::debug;
};

// What a segment file's bytes hold.
struct SegmentScan {
  std::vector<SegmentLine> lines;  // complete lines that are alerts, in order
  uint64_t complete_bytes = 0;     // up to and with the last newline; what follows is torn
  std::size_t damaged = 0;         // complete, non-empty lines that are not an alert
};

// The segment reader (pure: the fuzz target calls it too).
SegmentScan scan_segment(std::string_view bytes);

class Spool {
 public:
  static constexpr std::size_t kSegmentAlerts = 256;

  // Creates the directory if needed and indexes what a previous run left: segments from the
  // cursor on, torn tails truncated, damaged lines skipped (counted in damaged_at_open()).
  // nullptr with `error` set when the directory cannot be created, read or locked.
  static std::unique_ptr<Spool> open(const std::string& dir, uint64_t max_bytes,
                                     std::string& error);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  struct Appended {
    bool stored = false;
    int error = 0;                     // errno when a write failed (0: no room, see above)
    std::vector<std::string> evicted;  // less severe alerts removed to make room (lost)
  };
  // Appends one alert line (no newline). Never leaves a partial line behind.
  Appended append(std::string_view line, Priority priority);
  // Up to `max` of the oldest alerts, still stored; they are in flight (never evicted) until
  // consume(). An alert that cannot be read back comes as an empty string.
  std::vector<std::string> peek(std::size_t max);
  // Forgets the `n` oldest alerts (delivered, or refused for good) and moves the cursor.
  void consume(std::size_t n);
  // Makes what was written so far durable against power loss (fdatasync, directory fsync).
  void sync();

  bool empty() const;
  uint64_t bytes() const;  // of undelivered alerts
  std::size_t alerts() const;
  std::size_t damaged_at_open() const { return damaged_at_open_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Segment {
    uint64_t seq = 0;
    std::vector<SegmentLine> lines;  // undelivered when opened, then appended
    std::size_t done = 0;            // lines[0..done) were consumed
  };
  Spool(std::string dir, uint64_t max_bytes, UniqueFd dir_fd);
  std::string path_of(uint64_t seq) const;
  bool index_existing(std::string& error);
  bool open_head();
  void close_head();
  bool read_line(uint64_t seq, const SegmentLine& l, std::string& out);
  bool evict_for(std::size_t need, Priority newcomer, std::vector<std::string>& evicted);
  // Rewrites a segment without its oldest evictable alerts of `level`, until `target` bytes
  // are freed or none is left.
  bool rewrite_without(std::size_t seg_index, Priority level, uint64_t target,
                       std::vector<std::string>& evicted);
  void write_cursor();
  void write_cursor_at(uint64_t seq, uint64_t offset);
  // How many of segment seg_index's undelivered alerts are in flight.
  std::size_t inflight_in(std::size_t seg_index) const;
  void forget_segment_file(uint64_t seq);
  std::size_t pending_in(const Segment& s) const { return s.lines.size() - s.done; }

  const std::string dir_;
  const uint64_t max_bytes_;
  const UniqueFd dir_fd_;
  mutable std::mutex mu_;
  std::deque<Segment> segs_;  // oldest first; when head_ is open, segs_.back() is the head
  UniqueFd head_;
  uint64_t head_size_ = 0;
  UniqueFd reader_;
  uint64_t reader_seq_ = 0;
  UniqueFd cursor_;
  std::vector<UniqueFd> unsynced_;  // written since the last sync()
  bool dirty_ = false;
  PriorityCounts counts_{};
  uint64_t bytes_ = 0;
  std::size_t alerts_ = 0;
  std::size_t inflight_ = 0;
  uint64_t next_seq_ = 0;
  std::size_t damaged_at_open_ = 0;
  bool cursor_warned_ = false;
};

}  // namespace th
