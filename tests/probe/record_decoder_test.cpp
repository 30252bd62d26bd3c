// Ring-buffer records -> th::Event, without a kernel: every kind, the evt.type per syscall, and
// records that must be refused.
#include "probe/record_decoder.h"

#include <time.h>

#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "probe/interest_map.h"

namespace {

using th::EvtType;
using th::Event;
using th::probe::decode_record;
using th::probe::RecordInfo;

template <typename Rec>
std::span<const std::byte> bytes_of(const Rec& r, std::size_t size = sizeof(Rec)) {
  return {reinterpret_cast<const std::byte*>(&r), size};
}

th_header header(th_kind kind, th_syscall sc) {
  th_header h{};
  h.ts_boot_ns = 5'000'000'000ULL;
  h.res = 0;
  h.cgroup_id = 77;
  h.pidns = 4026531836u;
  h.kind = kind;
  h.syscall = sc;
  h.abi = TH_ABI_X64;
  h.pid = 1000;
  h.tid = 1001;
  h.ppid = 999;
  h.vpid = 3;
  h.uid = 1234;
  h.loginuid = 0xffffffffu;
  std::memcpy(h.comm, "inject_ptrace_p", 15);  // 15 chars + NUL
  return h;
}

TEST(RecordDecoder, PtraceRecordBecomesAPtraceEvent) {
  th_ptrace_event r{};
  r.h = header(TH_KIND_PTRACE, TH_SC_PTRACE);
  r.h.res = -1;
  r.t = {4242, 4243, 17, TH_TRI_NO, TH_RESOLVED_VPID_KFUNC, {}};
  r.request = 4;
  r.addr = 0x400000;
  r.data = 0xdeadbeef;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 1'000, ev, info));
  EXPECT_EQ(ev.type, EvtType::ptrace);
  EXPECT_EQ(ev.ts_ns, 5'000'001'000ULL);
  EXPECT_EQ(ev.res, -1);
  EXPECT_EQ(ev.actor.pid, 1000);
  EXPECT_EQ(ev.actor.tid, 1001);
  EXPECT_EQ(ev.actor.ppid, 999);
  EXPECT_EQ(ev.actor.vpid, 3);
  EXPECT_EQ(ev.actor.uid, 1234u);
  EXPECT_EQ(ev.actor.loginuid, th::kNoUid);
  EXPECT_EQ(ev.actor.cgroup_id, 77u);
  EXPECT_EQ(ev.actor.pidns, 4026531836u);
  EXPECT_EQ(ev.actor.comm, "inject_ptrace_p");
  EXPECT_EQ(ev.target_pid, 4242);
  EXPECT_EQ(ev.target_tid, 4243);
  EXPECT_EQ(ev.target_arg_pid, 17);
  EXPECT_EQ(ev.target_is_descendant, th::Tri::no);
  EXPECT_EQ(ev.request, 4);
  EXPECT_EQ(ev.addr, 0x400000u);
  EXPECT_EQ(ev.data, 0xdeadbeefu);
  EXPECT_EQ(info.kind, TH_KIND_PTRACE);
  EXPECT_EQ(info.resolved_by, TH_RESOLVED_VPID_KFUNC);
}

TEST(RecordDecoder, CommWithoutNulIsCutAtSixteen) {
  th_ptrace_event r{};
  r.h = header(TH_KIND_PTRACE, TH_SC_PTRACE);
  std::memset(r.h.comm, 'x', sizeof(r.h.comm));
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.actor.comm, std::string(16, 'x'));
}

TEST(RecordDecoder, VmRecordsCarryBytes) {
  th_vm_event r{};
  r.h = header(TH_KIND_VM_WRITE, TH_SC_PROCESS_VM_WRITEV);
  r.h.res = 100;
  r.t = {10, 10, 10, TH_TRI_YES, TH_RESOLVED_TRACEE, {}};
  r.bytes = 100;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::process_vm_writev);
  EXPECT_EQ(ev.bytes, 100u);
  EXPECT_EQ(ev.target_is_descendant, th::Tri::yes);
  r.h.kind = TH_KIND_VM_READ;
  r.h.syscall = TH_SC_PROCESS_VM_READV;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::process_vm_readv);
}

TEST(RecordDecoder, MemOpenRecordsCarryFlagsAndPath) {
  th_mem_open_event r{};
  r.h = header(TH_KIND_MEM_OPEN_WRITE, TH_SC_OPENAT);
  r.t = {50, 51, 50, TH_TRI_UNKNOWN, TH_RESOLVED_PROC_INODE, {}};
  r.flags = 02;  // O_RDWR
  const char path[] = "/proc/50/task/51/mem";
  std::memcpy(r.path, path, sizeof(path) - 1);
  r.path_len = sizeof(path) - 1;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::openat);
  EXPECT_EQ(ev.path, path);
  EXPECT_EQ(ev.open_flags, 02u);
  EXPECT_TRUE(ev.is_open_write());
  EXPECT_EQ(ev.target_tid, 51);
  EXPECT_EQ(ev.target_is_descendant, th::Tri::unknown);
}

TEST(RecordDecoder, MemWriteRecordsCarryOffsetBytesAndDescriptor) {
  th_mem_write_event r{};
  r.h = header(TH_KIND_MEM_WRITE, TH_SC_PWRITEV2);
  r.h.res = 16;
  r.t = {50, 51, 50, TH_TRI_NO, TH_RESOLVED_PROC_INODE, {}};
  r.offset = 0x7f00'1234'5000ULL;
  r.bytes = 16;
  r.fd = 7;
  r.iovcnt = 2;
  const char path[] = "/proc/50/task/51/mem";
  std::memcpy(r.path, path, sizeof(path) - 1);
  r.path_len = sizeof(path) - 1;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::pwritev2);
  EXPECT_EQ(ev.path, path);
  EXPECT_EQ(ev.offset, 0x7f00'1234'5000ULL);
  EXPECT_EQ(ev.bytes, 16u);
  EXPECT_EQ(ev.fd, 7);
  EXPECT_EQ(ev.res, 16);
  EXPECT_EQ(ev.target_pid, 50);
  EXPECT_EQ(ev.target_tid, 51);
  EXPECT_EQ(ev.target_is_descendant, th::Tri::no);
  EXPECT_FALSE(info.truncated);
  r.bytes_truncated = 1;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_TRUE(info.truncated) << "an iovec sum cut short";
}

TEST(RecordDecoder, ExecRecordsSplitArgv) {
  th_exec_event r{};
  r.h = header(TH_KIND_EXEC, TH_SC_EXECVEAT);
  const char exe[] = "/memfd:x (deleted)";
  std::memcpy(r.exe, exe, sizeof(exe) - 1);
  r.exe_len = sizeof(exe) - 1;
  const char args[] = "x\0-c\0\0last";  // an empty argument, and a last one cut short
  std::memcpy(r.args, args, sizeof(args) - 1);
  r.args_len = sizeof(args) - 1;
  r.exe_from_memfd = 1;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::execveat);
  EXPECT_EQ(ev.exepath, exe);
  EXPECT_TRUE(ev.exe_from_memfd);
  EXPECT_EQ(ev.argv, (std::vector<std::string>{"x", "-c", "", "last"}));
  EXPECT_FALSE(info.truncated);
  r.args_truncated = 1;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_TRUE(info.truncated);
}

// The kernel sends an exec record only up to the argv bytes it has.
TEST(RecordDecoder, ExecRecordsEndAfterTheirArgvBytes) {
  th_exec_event r{};
  r.h = header(TH_KIND_EXEC, TH_SC_EXECVE);
  std::memcpy(r.exe, "/bin/ls", 7);
  r.exe_len = 7;
  std::memcpy(r.args, "ls\0-l\0", 6);
  r.args_len = 6;
  r.exe_ino = 42;
  const std::size_t used = offsetof(th_exec_event, args) + r.args_len;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r, used), 0, ev, info));
  EXPECT_EQ(ev.exepath, "/bin/ls");
  EXPECT_EQ(ev.argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(ev.exe_ino, 42u);
  EXPECT_FALSE(decode_record(bytes_of(r, used - 1), 0, ev, info)) << "argv cut by the record";
  EXPECT_FALSE(decode_record(bytes_of(r, offsetof(th_exec_event, args) - 1), 0, ev, info))
      << "fixed part cut";
  r.args_len = 0;
  ASSERT_TRUE(decode_record(bytes_of(r, offsetof(th_exec_event, args)), 0, ev, info));
  EXPECT_TRUE(ev.argv.empty());
}

TEST(RecordDecoder, ReusedEventKeepsNothingFromThePreviousRecord) {
  th_exec_event exec{};
  exec.h = header(TH_KIND_EXEC, TH_SC_EXECVE);
  std::memcpy(exec.exe, "/bin/x", 6);
  exec.exe_len = 6;
  std::memcpy(exec.args, "a\0b\0", 4);
  exec.args_len = 4;
  exec.exe_from_memfd = 1;
  th_ptrace_event pt{};
  pt.h = header(TH_KIND_PTRACE, TH_SC_PTRACE);
  std::memcpy(pt.h.comm, "x", 2);
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(exec), 0, ev, info));
  ASSERT_TRUE(decode_record(bytes_of(pt), 0, ev, info));
  EXPECT_TRUE(ev.argv.empty());
  EXPECT_TRUE(ev.exepath.empty());
  EXPECT_FALSE(ev.exe_from_memfd);
  EXPECT_EQ(ev.actor.comm, "x");
}

TEST(RecordDecoder, ForkAndExitRecords) {
  th_fork_event f{};
  f.h = header(TH_KIND_FORK, TH_SC_CLONE3);
  f.h.res = 7;
  f.child_pid = 1000;
  f.child_tid = 1010;
  f.clone_flags = 0x10000;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(f), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::clone3);
  EXPECT_EQ(ev.child_pid, 1000);
  EXPECT_EQ(ev.child_tid, 1010);
  EXPECT_EQ(ev.clone_flags, 0x10000u);
  EXPECT_EQ(ev.res, 7);

  th_exit_event x{};
  x.h = header(TH_KIND_EXIT, TH_SC_NONE);
  x.status = 3 << 8;
  ASSERT_TRUE(decode_record(bytes_of(x), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::procexit);
  EXPECT_EQ(ev.exit_code, 3);
}

TEST(RecordDecoder, FdTakeRecordsSayWhatWasTakenAndFromWhom) {
  th_fd_take_event r{};
  r.h = header(TH_KIND_FD_TAKE, TH_SC_PIDFD_GETFD);
  r.h.res = 5;
  r.t = {60, 60, 60, TH_TRI_YES, TH_RESOLVED_PIDFD, {}};
  r.target_fd = 3;
  r.pidfd = 4;
  r.is_mem_file = 1;
  r.mem_pid = 50;
  r.mem_tid = 51;
  const char path[] = "/proc/50/task/51/mem";
  std::memcpy(r.path, path, sizeof(path) - 1);
  r.path_len = sizeof(path) - 1;
  Event ev;
  RecordInfo info;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.type, EvtType::pidfd_getfd);
  EXPECT_EQ(ev.fd, 5) << "the new descriptor";
  EXPECT_EQ(ev.target_fd, 3);
  EXPECT_TRUE(ev.taken_mem_file);
  EXPECT_EQ(ev.taken_mem_pid, 50);
  EXPECT_EQ(ev.target_pid, 60);
  EXPECT_EQ(ev.target_is_descendant, th::Tri::yes);
  EXPECT_EQ(ev.path, path);
  EXPECT_EQ(info.resolved_by, TH_RESOLVED_PIDFD);
  r.h.res = -9;  // EBADF: nothing taken
  r.is_mem_file = 0;
  r.path_len = 0;
  ASSERT_TRUE(decode_record(bytes_of(r), 0, ev, info));
  EXPECT_EQ(ev.fd, -1);
  EXPECT_FALSE(ev.taken_mem_file);
  r.path_len = TH_PATH_LEN + 1;
  EXPECT_FALSE(decode_record(bytes_of(r), 0, ev, info)) << "path longer than the record";
}

TEST(RecordDecoder, EveryEventTypeDecodesFromItsSyscall) {
  // The kind a record of each evt.type carries.
  auto kind_of = [](EvtType t) {
    switch (th::evt_family(t)) {
      case th::EvtFamily::ptrace: return TH_KIND_PTRACE;
      case th::EvtFamily::vm_write: return TH_KIND_VM_WRITE;
      case th::EvtFamily::vm_read: return TH_KIND_VM_READ;
      case th::EvtFamily::mem_open: return TH_KIND_MEM_OPEN_READ;
      case th::EvtFamily::exec: return TH_KIND_EXEC;
      case th::EvtFamily::fork: return TH_KIND_FORK;
      case th::EvtFamily::exit: return TH_KIND_EXIT;
      case th::EvtFamily::mem_write: return TH_KIND_MEM_WRITE;
      case th::EvtFamily::fd_take: return TH_KIND_FD_TAKE;
    }
    return TH_KIND_COUNT;
  };
  for (std::size_t i = 0; i < th::kEvtTypeCount; ++i) {
    auto type = static_cast<EvtType>(i);
    alignas(8) std::byte buf[sizeof(th_exec_event)]{};
    th_header h = header(kind_of(type), th::probe::evt_type_syscall(type));
    std::memcpy(buf, &h, sizeof(h));
    Event ev;
    RecordInfo info;
    ASSERT_TRUE(decode_record({buf, sizeof(buf)}, 0, ev, info)) << th::evt_type_name(type);
    EXPECT_EQ(ev.type, type);
  }
}

TEST(RecordDecoder, MalformedRecordsAreRefused) {
  Event ev;
  RecordInfo info;
  th_ptrace_event pt{};
  pt.h = header(TH_KIND_PTRACE, TH_SC_PTRACE);
  EXPECT_FALSE(decode_record(bytes_of(pt, sizeof(th_header) - 1), 0, ev, info)) << "short header";
  EXPECT_FALSE(decode_record(bytes_of(pt, sizeof(pt) - 1), 0, ev, info)) << "short body";
  pt.h.kind = TH_KIND_COUNT;
  EXPECT_FALSE(decode_record(bytes_of(pt), 0, ev, info)) << "unknown kind";
  pt.h.kind = TH_KIND_PTRACE;
  pt.h.syscall = TH_SC_OPENAT;
  EXPECT_FALSE(decode_record(bytes_of(pt), 0, ev, info)) << "kind and syscall disagree";
  pt.h.syscall = TH_SC_PTRACE;
  pt.h.abi = 7;
  EXPECT_FALSE(decode_record(bytes_of(pt), 0, ev, info)) << "unknown abi";

  th_mem_open_event mo{};
  mo.h = header(TH_KIND_MEM_OPEN_READ, TH_SC_OPEN);
  mo.path_len = TH_PATH_LEN + 1;
  EXPECT_FALSE(decode_record(bytes_of(mo), 0, ev, info)) << "path longer than the record";
  th_mem_write_event mw{};
  mw.h = header(TH_KIND_MEM_WRITE, TH_SC_PWRITE64);
  mw.path_len = TH_PATH_LEN + 1;
  EXPECT_FALSE(decode_record(bytes_of(mw), 0, ev, info)) << "write path longer than the record";
  mw.path_len = 0;
  mw.h.syscall = TH_SC_OPENAT;
  EXPECT_FALSE(decode_record(bytes_of(mw), 0, ev, info)) << "a write kind with an open syscall";
  th_exec_event ex{};
  ex.h = header(TH_KIND_EXEC, TH_SC_EXECVE);
  ex.args_len = TH_ARGS_LEN + 1;
  EXPECT_FALSE(decode_record(bytes_of(ex), 0, ev, info)) << "args longer than the record";
  EXPECT_FALSE(decode_record({}, 0, ev, info)) << "empty";
}

TEST(RecordDecoder, ExitCodesReadLikeAShellShowsThem) {
  EXPECT_EQ(th::probe::exit_code_from_wait_status(0), 0);
  EXPECT_EQ(th::probe::exit_code_from_wait_status(7 << 8), 7);
  EXPECT_EQ(th::probe::exit_code_from_wait_status(9), 137);         // SIGKILL
  EXPECT_EQ(th::probe::exit_code_from_wait_status(11 | 0x80), 139);  // SIGSEGV, core dumped
}

TEST(RecordDecoder, KindNamesAreDistinctMetricLabels) {
  std::set<std::string_view> names;
  for (int k = 0; k < TH_KIND_COUNT; ++k) names.insert(th::probe::kind_name(static_cast<th_kind>(k)));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(TH_KIND_COUNT));
  EXPECT_EQ(th::probe::kind_name(TH_KIND_PTRACE), "ptrace");
  EXPECT_EQ(th::probe::kind_name(TH_KIND_MEM_OPEN_WRITE), "mem_open_write");
}

TEST(RecordDecoder, BootToEpochOffsetIsTheBootInstant) {
  // REALTIME - BOOTTIME is when the machine booted: after the epoch, before now.
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t now_ns = int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  int64_t offset = th::probe::boot_to_epoch_offset_ns();
  EXPECT_GT(offset, 0);
  EXPECT_LT(offset, now_ns);
}

}  // namespace
