// Reads the binary capture format (capture_format.h). Decodes into objects the caller reuses, so
// that steady-state reading does not allocate. Malformed input is an error naming the offset of
// the record (and its kind) where reading stopped; nothing after it is trusted.
#pragma once

#include <string>

#include "engine/core/event.h"
#include "engine/io/byte_source.h"
#include "engine/io/capture_writer.h"

namespace th {

class CaptureReader {
 public:
  explicit CaptureReader(ByteSource& in) : in_(in) {}

  // The magic and the header record. false with error() set when they are not there.
  bool open();
  const CaptureHeader& header() const { return header_; }

  enum class Item { event, process, end, error };
  // The next record: an event into `e` (fields it does not carry get their defaults; proc,
  // target and table are cleared), a process snapshot into `p`, the end of the input, or an
  // error. Records of unknown kinds are skipped.
  Item next(Event& e, Process& p);

  const std::string& error() const { return error_; }
  // The end record's totals, when the capture closed normally.
  bool closed_normally() const { return saw_end_; }
  const CaptureTotals& totals() const { return totals_; }

 private:
  bool fail(uint64_t at, std::string_view kind, std::string what);
  bool decode_event(std::string_view payload, Event& e, std::size_t& bad_at);
  bool decode_process(std::string_view payload, Process& p, std::size_t& bad_at);

  ByteSource& in_;
  CaptureHeader header_;
  std::string error_;
  Actor last_actor_;
  uint64_t last_ts_ = 0;
  bool saw_end_ = false;
  CaptureTotals totals_;
};

}  // namespace th
