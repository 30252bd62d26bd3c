// th::Interest -> struct th_interest (probe/interest_map.h) and the kernel side's reading of it
// (probe/interest_filter.h) must agree with th::Interest itself on every question.
#include "probe/interest_map.h"

#include <random>
#include <set>

#include <gtest/gtest.h>

#include "engine/core/ptrace_request.h"
#include "probe/interest_filter.h"

namespace {

using th::EvtType;
using th::Interest;

std::vector<int64_t> requests_to_try() {
  std::vector<int64_t> out = {-1, -2, INT64_MIN, INT64_MAX, 0x7fffffff, 0x100000000LL};
  for (int64_t r = 0; r < 0x100; ++r) out.push_back(r);
  for (int64_t r = 0x41f0; r < 0x4260; ++r) out.push_back(r);
  return out;
}

std::vector<Interest> interests_to_try() {
  std::vector<Interest> out;
  out.push_back(Interest{});
  out.push_back(Interest::everything());
  Interest only_writes;
  only_writes.types.add(EvtType::ptrace);
  for (const auto& r : th::ptrace_requests())
    if (th::ptrace_request_writes(r.value)) only_writes.ptrace.set(th::ptrace_request_slot(r.value));
  out.push_back(only_writes);
  Interest no_syscall = Interest::everything();
  no_syscall.ptrace.reset(th::ptrace_request_slot(24));  // PTRACE_SYSCALL
  out.push_back(no_syscall);
  Interest other_only;
  other_only.types.add(EvtType::ptrace);
  other_only.ptrace_other = true;
  out.push_back(other_only);
  Interest requests_but_no_type = Interest::everything();
  requests_but_no_type.types = th::EvtTypeSet{};
  out.push_back(requests_but_no_type);
  std::mt19937 rng(20240611);  // fixed seed: reproducible
  for (int i = 0; i < 50; ++i) {
    Interest r;
    for (std::size_t t = 0; t < th::kEvtTypeCount; ++t)
      if (rng() & 1) r.types.add(static_cast<EvtType>(t));
    for (int s = 0; s < th::kPtraceSlotCount; ++s)
      if (rng() % 3 == 0) r.ptrace.set(s);
    r.ptrace_other = rng() & 1;
    r.mem_open_write = rng() & 1;
    r.mem_open_read = rng() & 1;
    out.push_back(r);
  }
  return out;
}

TEST(InterestMap, PtraceSlotsMatchTheEngine) {
  for (int64_t r : requests_to_try()) EXPECT_EQ(th_ptrace_slot(r), th::ptrace_request_slot(r)) << r;
}

TEST(InterestMap, KernelAnswersPtraceQuestionsLikeTheEngine) {
  for (const Interest& in : interests_to_try()) {
    th_interest enc = th::probe::encode_interest(in);
    for (int64_t r : requests_to_try())
      ASSERT_EQ(th_interest_wants_ptrace(&enc, r) != 0, in.wants_ptrace(r)) << "request " << r;
  }
}

TEST(InterestMap, SyscallBitsFollowEventTypes) {
  for (const Interest& in : interests_to_try()) {
    th_interest enc = th::probe::encode_interest(in);
    for (std::size_t t = 0; t < th::kEvtTypeCount; ++t) {
      auto type = static_cast<EvtType>(t);
      th_syscall sc = th::probe::evt_type_syscall(type);
      if (sc == TH_SC_NONE) continue;
      EXPECT_EQ(th_interest_wants_syscall(&enc, sc) != 0, in.types.contains(type)) << th::evt_type_name(type);
    }
    EXPECT_EQ(enc.syscalls & 1u, 0u) << "TH_SC_NONE is never wanted";
  }
}

TEST(InterestMap, MemoryOpensNeedTheTypeAndTheAccessMode) {
  for (const Interest& in : interests_to_try()) {
    th_interest enc = th::probe::encode_interest(in);
    for (EvtType type : {EvtType::open, EvtType::openat, EvtType::openat2}) {
      th_syscall sc = th::probe::evt_type_syscall(type);
      EXPECT_EQ(th_interest_wants_mem_open(&enc, sc, 1) != 0, in.types.contains(type) && in.mem_open_write);
      EXPECT_EQ(th_interest_wants_mem_open(&enc, sc, 0) != 0, in.types.contains(type) && in.mem_open_read);
    }
  }
}

TEST(InterestMap, EveryEventTypeButProcexitHasItsOwnSyscall) {
  std::set<int> seen;
  for (std::size_t t = 0; t < th::kEvtTypeCount; ++t) {
    auto type = static_cast<EvtType>(t);
    th_syscall sc = th::probe::evt_type_syscall(type);
    if (type == EvtType::procexit) {
      EXPECT_EQ(sc, TH_SC_NONE);
      continue;
    }
    EXPECT_NE(sc, TH_SC_NONE) << th::evt_type_name(type);
    EXPECT_TRUE(seen.insert(sc).second) << th::evt_type_name(type);
  }
}

}  // namespace
