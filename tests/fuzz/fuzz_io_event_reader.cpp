// libFuzzer target for the replay event reader: each input is a JSON Lines events file, read as
// `tracehound replay` reads it (event_from_json_line, then apply_record into a process table).
// A line is an event or an error naming what is wrong, never a crash, a sanitizer report or a
// hang; an accepted event renders back to JSON and reads again.
// Seeds: tests/fuzz/seeds/fuzz_io_event_reader/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/io/event_json.h"
#include "engine/proc/process_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  th::ProcessTable table(th::ProcessTableOptions{.max_entries = 64, .proc_root = "",
                                                 .passwd_path = "/nonexistent"});
  uint64_t line_no = 0;
  while (!all.empty()) {
    std::size_t nl = all.find('\n');
    std::string_view line = all.substr(0, nl);
    all = nl == std::string_view::npos ? std::string_view() : all.substr(nl + 1);
    ++line_no;
    std::string error;
    auto rec = th::event_from_json_line(line, th::EventDefaults{.index = line_no}, error);
    if (!rec) {
      if (error.empty()) std::abort();  // a refusal always says why
      continue;
    }
    th::apply_record(*rec, table);
    auto again_text = th::event_to_json(rec->event, table).dump();
    std::string again_error;
    if (!th::event_from_json_line(again_text, th::EventDefaults{.index = line_no}, again_error))
      std::abort();  // what the reader accepted, rendered, must read again
  }
  return 0;
}
