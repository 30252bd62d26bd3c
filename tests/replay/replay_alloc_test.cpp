// Replay of a binary capture allocates nothing per event once warm: decoding into a reused
// event, the process-table updates and the rules (indexed below the type) all reuse their
// storage. A global operator new counts the allocations made while the steady part is replayed.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <cstdlib>
#include <new>
#include <string>

#include "../eval/test_event.h"
#include "engine/detect/detector.h"
#include "engine/io/capture_reader.h"
#include "engine/io/capture_writer.h"
#include "engine/rules/loader.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// GCC sees malloc and free through the inlined allocator and warns of a mismatch that is not one.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace th {
namespace {

using testing::World;

class NullSink : public AlertSink {
 public:
  void emit(const Alert&) override { ++alerts; }
  uint64_t alerts = 0;
};

// A W1-like capture: a tracer stepping its child through syscalls, reading its memory.
std::string w1_capture(World& w, int events) {
  int fd = memfd_create("capture", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  {
    CaptureWriter cw(fd, CaptureHeader{});
    for (int i = 0; i < events; ++i) {
      Event e = w.ptrace(i % 3 == 2 ? 0x420e : 24, 200, 250);
      if (i % 7 == 0) {
        e.type = EvtType::process_vm_readv;
        e.request = -1;
        e.bytes = 4096;
      }
      e.ts_ns += static_cast<uint64_t>(i) * 50'000;
      EXPECT_TRUE(cw.write(e, w.table));
    }
    EXPECT_TRUE(cw.finish(0));
  }
  std::string bytes(static_cast<std::size_t>(lseek(fd, 0, SEEK_END)), '\0');
  EXPECT_EQ(pread(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  close(fd);
  return bytes;
}

TEST(ReplayAllocations, NonePerEventOnceWarm) {
  World w;
  const std::string bytes = w1_capture(w, 4000);
  auto rules = load_rules_from_strings({{"r.yaml", R"Y(
- rule: attach by a non-debugger
  desc: d
  priority: WARNING
  output: "%proc.name %evt.arg.request %target.pid"
  condition: evt.type = ptrace and evt.arg.request contains PTRACE_ATTACH and not proc.name in (gdb)
- rule: agnostic
  desc: d
  priority: WARNING
  output: o
  condition: evt.type = ptrace and proc.name = no-such-tool
- rule: reads by a stranger
  desc: d
  priority: NOTICE
  output: o
  condition: evt.type = process_vm_readv and not proc.pname in (bash) and proc.exepath startswith /opt/
)Y"}});
  ASSERT_TRUE(rules.ruleset) << format_diagnostics_text(rules.diags);
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  NullSink sink;
  DetectorOptions opts;
  opts.hostname = "test";
  Detector det(rules.ruleset, table, sink, opts);
  ByteSource in = ByteSource::from_memory(bytes);
  CaptureReader reader(in);
  ASSERT_TRUE(reader.open()) << reader.error();
  // The counter sees allocations at all.
  g_counting = true;
  auto probe = std::make_unique<std::string>(100, 'x');
  g_counting = false;
  ASSERT_EQ(g_allocations.exchange(0), 2u);  // the string object and its buffer
  Event e;
  Process p;
  uint64_t events = 0, steady_allocations = 0;
  for (;;) {
    if (events == 1000) g_counting = true;  // warm: table entries, scratch, memo slots exist
    auto item = reader.next(e, p);
    if (item == CaptureReader::Item::process) {
      table.upsert(p);
    } else if (item == CaptureReader::Item::event) {
      det.process(e);
      ++events;
    } else {
      ASSERT_EQ(item, CaptureReader::Item::end) << reader.error();
      break;
    }
  }
  g_counting = false;
  steady_allocations = g_allocations.load();
  EXPECT_EQ(events, 4000u);
  EXPECT_EQ(steady_allocations, 0u) << "allocations while replaying 3,000 warm events";
  EXPECT_EQ(sink.alerts, 0u);
}

}  // namespace
}  // namespace th
