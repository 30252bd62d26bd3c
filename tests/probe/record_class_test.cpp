// Which records flood control may hold back (probe/record_class.h), against the engine's own
// list of ptrace requests that write.
#include <gtest/gtest.h>

#include "engine/core/ptrace_request.h"
#include "probe/record_class.h"

namespace {

TEST(RecordClass, WriteRequestsAreTheEngines) {
  for (int64_t r = -2; r < 0x4300; ++r)
    EXPECT_EQ(th_ptrace_request_writes(r) != 0, th::ptrace_request_writes(r)) << "request " << r;
}

struct Case {
  th_kind kind;
  int64_t request;
  int64_t res;
  th_class expected;
};

TEST(RecordClass, Table) {
  const Case cases[] = {
      {TH_KIND_FORK, 0, 1234, TH_CLASS_LIFECYCLE},
      {TH_KIND_EXEC, 0, 0, TH_CLASS_LIFECYCLE},
      {TH_KIND_EXIT, 0, -1, TH_CLASS_LIFECYCLE},  // even "failed": the status is in res
      {TH_KIND_PTRACE, 16, 0, TH_CLASS_INJECT},       // ATTACH
      {TH_KIND_PTRACE, 0x4206, 0, TH_CLASS_INJECT},   // SEIZE
      {TH_KIND_PTRACE, 4, 0, TH_CLASS_INJECT},        // POKETEXT
      {TH_KIND_PTRACE, 0x4205, 0, TH_CLASS_INJECT},   // SETREGSET
      {TH_KIND_PTRACE, 16, -1, TH_CLASS_BULK},        // a refused ATTACH
      {TH_KIND_PTRACE, 0, 0, TH_CLASS_BULK},          // TRACEME
      {TH_KIND_PTRACE, 2, 0, TH_CLASS_BULK},          // PEEKDATA
      {TH_KIND_VM_WRITE, 0, 4096, TH_CLASS_INJECT},
      {TH_KIND_VM_WRITE, 0, -3, TH_CLASS_BULK},
      {TH_KIND_VM_READ, 0, 4096, TH_CLASS_BULK},
      {TH_KIND_MEM_OPEN_WRITE, 0, 3, TH_CLASS_INJECT},
      {TH_KIND_MEM_OPEN_READ, 0, 3, TH_CLASS_BULK},
  };
  for (const auto& c : cases)
    EXPECT_EQ(th_record_class(c.kind, c.request, c.res), c.expected)
        << "kind " << c.kind << " request " << c.request << " res " << c.res;
}

}  // namespace
