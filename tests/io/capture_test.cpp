// The binary capture format: what the writer puts down the reader gives back, field for field;
// a process is written once and again only when it changes; malformed input is an error that
// names the offset of the record where reading stopped.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "../eval/test_event.h"
#include "engine/io/capture_format.h"
#include "engine/io/capture_reader.h"
#include "engine/io/capture_writer.h"
#include "engine/io/capture_wire.h"
#include "support/temp.h"

namespace th {
namespace {

using testing::make_proc;
using testing::World;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Writes events (enriched against w's table) to a capture and returns its bytes.
std::string capture_of(World& w, std::vector<Event> events, CaptureTotals* totals = nullptr) {
  test::TempFile f;
  int fd = ::open(f.path().c_str(), O_WRONLY | O_TRUNC);
  CaptureWriter cw(fd, {.flags = capture::kFlagRulesOnly, .start_ns = 42, .hostname = "h",
                        .producer = "test"});
  for (auto& e : events) EXPECT_TRUE(cw.write(e, w.table)) << cw.error();
  EXPECT_TRUE(cw.finish(7));
  if (totals) *totals = {cw.events(), 7, cw.processes()};
  ::close(fd);
  return slurp(f.path());
}

struct Read {
  std::vector<Event> events;
  std::vector<Process> processes;
  std::string error;
  bool closed = false;
};

Read read_all(std::string_view bytes) {
  Read r;
  ByteSource in = ByteSource::from_memory(bytes);
  CaptureReader reader(in);
  if (!reader.open()) {
    r.error = reader.error();
    return r;
  }
  Event e;
  Process p;
  for (;;) {
    auto item = reader.next(e, p);
    if (item == CaptureReader::Item::event) r.events.push_back(e);
    else if (item == CaptureReader::Item::process) r.processes.push_back(p);
    else {
      if (item == CaptureReader::Item::error) r.error = reader.error();
      break;
    }
  }
  r.closed = reader.closed_normally();
  return r;
}

// Every field the format carries (not the enrichment pointers).
void expect_same(const Event& a, const Event& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.res, b.res);
  EXPECT_EQ(a.actor.pid, b.actor.pid);
  EXPECT_EQ(a.actor.tid, b.actor.tid);
  EXPECT_EQ(a.actor.ppid, b.actor.ppid);
  EXPECT_EQ(a.actor.vpid, b.actor.vpid);
  EXPECT_EQ(a.actor.uid, b.actor.uid);
  EXPECT_EQ(a.actor.loginuid, b.actor.loginuid);
  EXPECT_EQ(a.actor.cgroup_id, b.actor.cgroup_id);
  EXPECT_EQ(a.actor.pidns, b.actor.pidns);
  EXPECT_EQ(a.actor.comm, b.actor.comm);
  EXPECT_EQ(a.target_pid, b.target_pid);
  EXPECT_EQ(a.target_tid, b.target_tid);
  EXPECT_EQ(a.target_arg_pid, b.target_arg_pid);
  EXPECT_EQ(a.target_is_descendant, b.target_is_descendant);
  EXPECT_EQ(a.request, b.request);
  EXPECT_EQ(a.addr, b.addr);
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.open_flags, b.open_flags);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.exepath, b.exepath);
  EXPECT_EQ(a.argv, b.argv);
  EXPECT_EQ(a.exe_from_memfd, b.exe_from_memfd);
  EXPECT_EQ(a.cgroup, b.cgroup);
  EXPECT_EQ(a.fileless_fds, b.fileless_fds);
  EXPECT_EQ(a.exe_identity_known, b.exe_identity_known);
  EXPECT_EQ(a.exe_dev, b.exe_dev);
  EXPECT_EQ(a.exe_ino, b.exe_ino);
  EXPECT_EQ(a.env_injection, b.env_injection);
  EXPECT_EQ(a.child_pid, b.child_pid);
  EXPECT_EQ(a.child_tid, b.child_tid);
  EXPECT_EQ(a.clone_flags, b.clone_flags);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.fd, b.fd);
  EXPECT_EQ(a.target_fd, b.target_fd);
  EXPECT_EQ(a.taken_mem_file, b.taken_mem_file);
  EXPECT_EQ(a.taken_mem_pid, b.taken_mem_pid);
  EXPECT_EQ(a.io_uring, b.io_uring);
}

std::vector<Event> sample(World& w) {
  Event poke = w.ptrace(4);
  poke.res = -1;
  poke.target_is_descendant = Tri::no;
  poke.actor.loginuid = kNoUid;
  poke.actor.pidns = 4026531836ull;
  poke.actor.cgroup_id = 1ull << 40;
  Event peek = w.ptrace(0x4206, 200, 300, 0);
  peek.ts_ns += 5;  // same actor: written once
  Event open = w.open_mem(200, 300, 2);
  Event write = open;
  write.type = EvtType::pwrite;
  write.open_flags = 0;
  write.offset = 0x7ffd00001000ull;
  write.fd = 7;
  write.bytes = 64;
  Event ring_write = write;  // the same write as an io_uring request
  ring_write.io_uring = true;
  ring_write.ts_ns += 7;
  Event take = write;
  take.type = EvtType::pidfd_getfd;
  take.offset = take.bytes = 0;
  take.res = take.fd = 5;
  take.target_fd = 3;
  take.taken_mem_file = true;
  take.taken_mem_pid = 300;
  Event exec = w.exec(250, "/memfd:x (deleted)", true);
  exec.argv = {"x", "", "arg with spaces"};
  exec.cgroup = "/system.slice/x";
  exec.fileless_fds = 1ull << 63 | 8;
  exec.exe_identity_known = true;
  exec.exe_dev = 2049;
  exec.exe_ino = 131;
  exec.env_injection = 3;
  exec.ts_ns -= 1000;  // time may go backwards between CPUs
  Event fork;
  fork.type = EvtType::clone;
  fork.actor = exec.actor;
  fork.child_pid = 251;
  fork.child_tid = 252;
  fork.clone_flags = 0x11;
  fork.ts_ns = 1767225600000000000ull;
  fork.table = &w.table;
  fork.proc = w.table.find(250);
  Event exit = fork;
  exit.type = EvtType::procexit;
  exit.child_pid = exit.child_tid = 0;
  exit.clone_flags = 0;
  exit.exit_code = -9;
  return {poke, peek, open, write, ring_write, take, exec, fork, exit};
}

TEST(Capture, RoundTripsEveryField) {
  World w;
  auto events = sample(w);
  CaptureTotals totals;
  std::string bytes = capture_of(w, events, &totals);
  ASSERT_TRUE(capture::looks_binary(bytes));
  Read r = read_all(bytes);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.events.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(r.events[i], events[i]);
    EXPECT_EQ(r.events[i].proc, nullptr);  // enrichment is replay's job
  }
  // Each process snapshot is the table's entry, cmdline included.
  ASSERT_FALSE(r.processes.empty());
  for (const Process& p : r.processes) {
    const Process& t = *w.table.find(p.pid);
    EXPECT_EQ(p.comm, t.comm);
    EXPECT_EQ(p.exepath, t.exepath);
    EXPECT_EQ(p.argv, t.argv);
    EXPECT_EQ(p.cmdline, t.cmdline);
    EXPECT_EQ(p.ppid, t.ppid);
    EXPECT_EQ(p.tty, t.tty);
    EXPECT_EQ(p.container_id, t.container_id);
  }
  EXPECT_EQ(totals.processes, r.processes.size());
}

TEST(Capture, AProcessIsWrittenOnceAndAgainWhenItChanges) {
  World w;
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) events.push_back(w.ptrace(24));
  Read r = read_all(capture_of(w, events));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.events.size(), 100u);
  // inject (200), its ancestors bash (100) and systemd (1), the target (300), oldest first.
  std::vector<int32_t> pids;
  for (const auto& p : r.processes) pids.push_back(p.pid);
  EXPECT_EQ(pids, (std::vector<int32_t>{1, 100, 200, 300}));

  // The actor execs between two of its events: its entry changed, so it is written again.
  test::TempFile f;
  int fd = ::open(f.path().c_str(), O_WRONLY | O_TRUNC);
  {
    CaptureWriter cw(fd, {});
    EXPECT_TRUE(cw.write(w.ptrace(24), w.table));
    EXPECT_TRUE(cw.write(w.exec(200, "/usr/bin/other"), w.table));
    EXPECT_TRUE(cw.write(w.ptrace(24), w.table));
    EXPECT_TRUE(cw.finish(0));
  }
  ::close(fd);
  r = read_all(slurp(f.path()));
  pids.clear();
  for (const auto& p : r.processes) pids.push_back(p.pid);
  EXPECT_EQ(pids, (std::vector<int32_t>{1, 100, 200, 300, 200}));
  EXPECT_EQ(r.processes.back().exepath, "/usr/bin/other");
}

TEST(Capture, EventsAreSmall) {
  World w;
  std::vector<Event> events;
  for (int i = 0; i < 1000; ++i) {
    events.push_back(w.ptrace(i % 2 ? 24 : 0x420e));
    events.back().ts_ns += static_cast<uint64_t>(i) * 20'000;
  }
  std::string bytes = capture_of(w, events);
  // The processes once, then each event in a few bytes (the JSON form is over 1 KB each).
  EXPECT_LT(bytes.size(), 1000u * 32 + 1024) << bytes.size();
}

// Malformed input: each case names the offset of the record that is wrong.
struct Bad {
  const char* name;
  std::function<void(std::string&)> damage;
  const char* error;  // expected in the message
};

TEST(Capture, MalformedInputNamesTheRecordOffset) {
  World w;
  const std::string good = capture_of(w, {w.ptrace(4), w.ptrace(24)});
  // Record offsets in `good`: the header record right after the magic, then processes, events.
  const std::size_t header_at = capture::kMagic.size();
  auto u32 = [](const std::string& s, std::size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(s[at + i])) << (8 * i);
    return v;
  };
  const std::size_t first_at = header_at + 5 + u32(good, header_at);
  auto record_at = [&](const std::string& s, capture::RecordKind kind) {
    for (std::size_t at = first_at; at + 5 <= s.size(); at += 5 + u32(s, at))
      if (uint8_t(s[at + 4]) == uint8_t(kind)) return at;
    return std::size_t{0};
  };
  const std::size_t event_at = record_at(good, capture::RecordKind::event);
  ASSERT_GT(event_at, first_at);
  const std::string ev = "offset " + std::to_string(event_at) + " (event record)";
  const std::string end_at = std::to_string(record_at(good, capture::RecordKind::end));

  const Bad cases[] = {
      {"empty", [](std::string& s) { s.clear(); }, "offset 0 (file start): not a tracehound"},
      {"JSON", [](std::string& s) { s = "{\"type\":\"ptrace\"}\n"; }, "not a tracehound binary"},
      {"magic only", [&](std::string& s) { s.resize(header_at); }, "header record): missing"},
      {"newer version", [&](std::string& s) { s[header_at + 5] = 2; },
       "format version 2; this tracehound reads version 1"},
      {"record header cut", [&](std::string& s) { s.resize(first_at + 3); },
       "truncated record header (3 of 5 bytes)"},
      {"payload cut", [&](std::string& s) { s.resize(event_at + 7); }, "truncated: "},
      {"huge length", [&](std::string& s) { s[event_at + 3] = '\x7f'; }, "beyond the limit"},
      {"bad event type", [&](std::string& s) { s[event_at + 5] = '\x7f'; },
       "malformed at byte 0 of its payload"},
      {"unknown field bits", [&](std::string& s) {
         // After the type byte and the time delta: the presence bits, given one unknown bit.
         std::size_t p = event_at + 6;
         while (uint8_t(s[p]) & 0x80) ++p;
         capture::Decoder d(std::string_view(s).substr(p + 1));
         uint64_t bits = d.varint();
         std::string enc;
         capture::Encoder(enc).varint(bits | 1u << 30);
         s.replace(p + 1, d.pos(), enc);
         uint32_t len = u32(s, event_at) + uint32_t(enc.size() - d.pos());
         for (int i = 0; i < 4; ++i) s[event_at + i] = char(len >> (8 * i));
       }, "(event record): malformed"},
      {"trailing bytes", [&](std::string& s) {
         s.insert(s.begin() + std::ptrdiff_t(event_at + 5 + u32(s, event_at)), '\0');
         uint32_t len = u32(s, event_at) + 1;
         for (int i = 0; i < 4; ++i) s[event_at + i] = char(len >> (8 * i));
       }, "(event record): malformed"},
      {"second header", [&](std::string& s) { s[event_at + 4] = 1; }, "a second header"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.name);
    std::string s = good;
    c.damage(s);
    Read r = read_all(s);
    EXPECT_NE(r.error.find(c.error), std::string::npos) << r.error;
    const std::string name = c.name;
    if (name == "bad event type" || name == "unknown field bits" || name == "trailing bytes" ||
        name == "payload cut" || name == "huge length") {
      EXPECT_EQ(r.error.rfind(ev, 0), 0u) << r.error;  // the event record's own offset
    }
  }
  // Cut after the last event: every event is there, but the end record is missing.
  std::string cut = good.substr(0, std::stoul(end_at));
  Read r = read_all(cut);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.events.size(), 2u);
  EXPECT_FALSE(r.closed);
}

TEST(Capture, UnknownRecordKindsAreSkipped) {
  World w;
  std::string s = capture_of(w, {w.ptrace(4)});
  const std::size_t at = capture::kMagic.size();
  const uint32_t hlen = uint8_t(s[at]);
  s.insert(at + 5 + hlen, std::string("\x03\0\0\0\x63xyz", 8));  // kind 99, 3 bytes
  Read r = read_all(s);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.events.size(), 1u);
}

}  // namespace
}  // namespace th
