// Writes the binary capture format (capture_format.h) as fast as the ring buffer fills: records
// are encoded into one large buffer (no text formatting, no allocation in steady state) that goes
// out in big write(2)s when it fills and at flush(). A process is written when an event first
// names it, with its ancestors, and again only when its table entry changed.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/core/event.h"
#include "engine/proc/process_table.h"

namespace th {

struct CaptureHeader {
  uint32_t version = 0;    // set by the reader; the writer writes its own
  uint64_t flags = 0;      // capture::kFlagRulesOnly...
  uint64_t start_ns = 0;
  std::string hostname;
  std::string producer;    // "tracehound capture"
};

// What an end record says.
struct CaptureTotals {
  uint64_t events = 0;
  uint64_t kernel_drops = 0;
  uint64_t processes = 0;
};

class CaptureWriter {
 public:
  // Writes to `fd` (not owned). The magic and the header go into the buffer at once.
  CaptureWriter(int fd, const CaptureHeader& header);

  // The event (enriched against `table`), after the processes it names where they changed.
  // false when a write failed (error() says why); the buffer is then discarded.
  bool write(const Event& e, const ProcessTable& table);
  // Everything buffered goes to the file.
  bool flush();
  // The end record, then flush.
  bool finish(uint64_t kernel_drops);

  const std::string& error() const { return error_; }
  uint64_t events() const { return totals_.events; }
  uint64_t processes() const { return totals_.processes; }
  uint64_t bytes() const { return bytes_out_ + buf_.size(); }

 private:
  std::size_t begin_record();
  void end_record(std::size_t at, uint8_t kind);
  void note_process(const Process* p, const ProcessTable& table);
  bool current(const Process& p) const;
  void put_process(const Process& p);
  void put_event(const Event& e);
  void put_actor(const Actor& a);
  bool write_out();

  int fd_;
  std::string buf_;
  std::string error_;
  uint64_t bytes_out_ = 0;
  CaptureTotals totals_;
  std::unordered_map<int32_t, Process> written_;  // the last snapshot of each pid
  Actor last_actor_;
  bool have_actor_ = false;
  uint64_t last_ts_ = 0;
};

}  // namespace th
