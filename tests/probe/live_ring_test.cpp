// The ring reader, live (probe/ring_reader.h): with rings small enough that a fork flood wraps
// them many times, every record arrives and decodes, also those that run past the end of their
// ring's data area; and each ring's data is mapped once, not twice as libbpf maps it.
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "live_fixture.h"

namespace probe_test {
namespace {

constexpr uint32_t kEventsRing = 64u << 10;        // ProbeOptions::ringbuf_bytes
constexpr uint32_t kBulkRing = kEventsRing / 4;    // what the loader gives `bulk`
constexpr uint32_t kEnforceRing = 64u << 10;       // enforce_events, fixed in probe/enforce.bpf.h

class LiveRing : public LiveProbeTest {
 protected:
  static void SetUpTestSuite() {
    th::probe::ProbeOptions options;
    options.ringbuf_bytes = kEventsRing;
    open_suite_probe(options);
  }
};

uint64_t committed(const th::probe::Probe::Stats& s) {
  uint64_t n = 0;
  for (const auto& k : s.kinds) n += k.events;
  return n;
}

TEST_F(LiveRing, RecordsThatWrapPastTheEndOfTheRingArriveWhole) {
  const auto before = probe().stats();
  // ~2 x 4000 lifecycle records of ~90 bytes: the 64 KiB `events` ring wraps about ten times.
  Child flooder({attack_program("flood"), "--kind", "fork", "--seconds", "2", "--rate", "2000"});
  log_.collect_until_exit(probe(), flooder);
  pid_t flooder_pid = 0;
  long long calls = 0;
  for (const auto& line : flooder.remaining_lines()) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.contains("flooder_pid")) flooder_pid = j["flooder_pid"];
    if (j.contains("calls")) calls = j["calls"];
  }
  ASSERT_GT(flooder_pid, 0);
  ASSERT_GT(calls, 1000);

  // Everything committed by now is handed out by the next drain.
  const auto committed_by_now = probe().stats();
  const std::size_t seen_before_drain = log_.events.size();
  log_.drain(probe());
  const auto after = probe().stats();
  for (int k : {TH_KIND_FORK, TH_KIND_EXIT})
    ASSERT_EQ(after.kinds[k].drops, before.kinds[k].drops)
        << "kind " << k << ": the ring was full, the counts below cannot match";
  EXPECT_EQ(after.bad_records, before.bad_records);
  EXPECT_GE(after.wrapped_records - before.wrapped_records, 3u)
      << "records ran past the end of the ring several times";
  EXPECT_GE(log_.events.size(), committed(committed_by_now) - committed(before))
      << "every committed record was read (" << seen_before_drain << " before the last drain)";

  // Every fork of the flooder, and the exit of each child it made, with the right pids.
  std::multiset<pid_t> forked, exited;
  for (const auto& e : log_.events) {
    if (e.type == th::EvtType::clone && e.actor.pid == flooder_pid && e.child_pid != flooder_pid)
      forked.insert(e.child_pid);
    if (e.type == th::EvtType::procexit && e.actor.ppid == flooder_pid) exited.insert(e.actor.pid);
  }
  EXPECT_EQ(static_cast<long long>(forked.size()), calls);
  EXPECT_EQ(static_cast<long long>(exited.size()), calls);
  EXPECT_TRUE(forked == exited) << "each child's fork and exit records name the same pid";
}

struct MapMapping {
  std::size_t size = 0;
  std::string perms;
};

// This process's mappings of BPF maps (ring buffers, the skeleton's global data), from smaps.
std::vector<MapMapping> bpf_map_mappings() {
  std::vector<MapMapping> out;
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  while (std::getline(smaps, line)) {
    if (line.find("bpf-map") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string range, perms;
    fields >> range >> perms;
    auto dash = range.find('-');
    if (dash == std::string::npos) continue;
    uint64_t start = std::stoull(range.substr(0, dash), nullptr, 16);
    uint64_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    out.push_back({static_cast<std::size_t>(end - start), perms});
  }
  return out;
}

TEST_F(LiveRing, EachRingsDataIsMappedOnce) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  auto mappings = bpf_map_mappings();
  ASSERT_FALSE(mappings.empty()) << "no BPF map mapping in /proc/self/smaps";
  auto count = [&](std::size_t size, const std::string& perms) {
    std::size_t n = 0;
    for (const auto& m : mappings) n += m.size == size && m.perms == perms;
    return n;
  };
  // Read-only: the producer page and the data area once.
  static_assert(kEnforceRing == kEventsRing);
  EXPECT_EQ(count(page + kEventsRing, "r--s"), 2u) << "events and enforce_events";
  EXPECT_EQ(count(page + kBulkRing, "r--s"), 1u) << "bulk";
  EXPECT_GE(count(page, "rw-s"), 3u) << "each ring's consumer page";
  for (const auto& m : mappings)
    EXPECT_LT(m.size, page + 2 * kEventsRing) << "a data area mapped twice (" << m.perms << ")";
}

}  // namespace
}  // namespace probe_test
