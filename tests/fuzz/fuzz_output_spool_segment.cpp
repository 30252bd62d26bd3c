// libFuzzer target for the spool segment reader: any bytes as a segment file (a torn write, a
// damaged disk, an edited file) give complete alert lines, a torn tail and a count of damaged
// lines, never a crash, a sanitizer report or a hang; every line found lies inside the complete
// part, in order, holds no newline and reads back as the alert record the sender would POST.
// Seeds: tests/fuzz/seeds/fuzz_output_spool_segment/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/output/output.h"
#include "engine/output/spool.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  th::SegmentScan scan = th::scan_segment(bytes);
  if (scan.complete_bytes > bytes.size()) std::abort();
  if (scan.complete_bytes < bytes.size() &&
      bytes.substr(scan.complete_bytes).find('\n') != std::string_view::npos)
    std::abort();  // the torn tail is only what follows the last newline
  uint64_t end = 0;
  for (const auto& l : scan.lines) {
    if (l.offset < end || l.offset + l.length + 1 > scan.complete_bytes) std::abort();
    std::string_view line = bytes.substr(l.offset, l.length);
    if (line.find('\n') != std::string_view::npos || bytes[l.offset + l.length] != '\n')
      std::abort();
    auto rec = th::record_from_line(std::string(line));
    if (!rec || rec->priority != l.priority) std::abort();
    end = l.offset + l.length + 1;
  }
  return 0;
}
