// libFuzzer target for the binary capture reader: each input is a capture file, read as
// `tracehound replay` reads it (CaptureReader, process records upserted into a table). A record
// is accepted or refused with an error naming its offset, never a crash, a sanitizer report or a
// hang; an accepted event, written again with CaptureWriter, reads back the same.
// Seeds: tests/fuzz/seeds/fuzz_io_capture_reader/ (tests/io/capture_test.cpp writes the same
// shapes); dictionary: tests/fuzz/fuzz_io_capture_reader.dict.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/io/capture_reader.h"
#include "engine/io/capture_writer.h"
#include "engine/proc/process_table.h"

namespace {

// Writes one event to a memory file and reads it back: it must come back as it was.
void round_trip(const th::Event& e, const th::ProcessTable& table) {
  int fd = memfd_create("fuzz", MFD_CLOEXEC);
  if (fd < 0) return;
  {
    th::CaptureWriter w(fd, th::CaptureHeader{});
    if (!w.write(e, table) || !w.finish(0)) std::abort();
  }
  std::string bytes(static_cast<std::size_t>(lseek(fd, 0, SEEK_END)), '\0');
  if (pread(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) std::abort();
  close(fd);
  th::ByteSource in = th::ByteSource::from_memory(bytes);
  th::CaptureReader r(in);
  if (!r.open()) std::abort();
  th::Event back;
  th::Process p;
  th::CaptureReader::Item item;
  while ((item = r.next(back, p)) == th::CaptureReader::Item::process) {
  }
  if (item != th::CaptureReader::Item::event || back.type != e.type || back.ts_ns != e.ts_ns ||
      back.actor.pid != e.actor.pid || back.actor.comm != e.actor.comm || back.argv != e.argv ||
      back.path != e.path || back.request != e.request)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return 0;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  th::ProcessTable table(th::ProcessTableOptions{.max_entries = 64, .proc_root = "",
                                                 .passwd_path = "/nonexistent"});
  th::ByteSource in = th::ByteSource::from_memory(all);
  th::CaptureReader reader(in);
  if (!reader.open()) {
    if (reader.error().empty()) std::abort();  // a refusal always says why
    return 0;
  }
  th::Event e;
  th::Process p;
  for (unsigned n = 0; n < 100000; ++n) {
    auto item = reader.next(e, p);
    if (item == th::CaptureReader::Item::process) {
      table.upsert(p);
    } else if (item == th::CaptureReader::Item::event) {
      round_trip(e, table);
    } else {
      if (item == th::CaptureReader::Item::error &&
          reader.error().rfind("offset ", 0) != 0)
        std::abort();  // every error names where
      break;
    }
  }
  return 0;
}
