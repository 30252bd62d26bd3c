// The shared layouts. probe/tracehound.h pins every record with static asserts that are compiled
// on both sides (clang -target bpf and the C++ compiler). This test also reads the compiled BPF
// object's BTF and checks the map value types the loader reads and writes against C++.
#include <bpf/btf.h>

#include <cstddef>
#include <string>

#include <gtest/gtest.h>

#include "probe/tracehound.h"

namespace {

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

struct Member {
  const char* name;
  std::size_t offset;
};

void expect_struct(const btf* b, const char* name, std::size_t size,
                   std::initializer_list<Member> members) {
  int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
  ASSERT_GT(id, 0) << "struct " << name << " is not in the BPF object's BTF";
  const btf_type* t = btf__type_by_id(b, id);
  EXPECT_EQ(t->size, size) << name;
  const btf_member* m = btf_members(t);
  for (const Member& want : members) {
    bool found = false;
    for (int i = 0; i < btf_vlen(t); ++i) {
      if (std::string(btf__name_by_offset(b, m[i].name_off)) != want.name) continue;
      found = true;
      EXPECT_EQ(btf_member_bit_offset(t, i), want.offset * 8) << name << "." << want.name;
    }
    EXPECT_TRUE(found) << name << "." << want.name;
  }
}

TEST(Layout, MapValueTypesAgreeWithTheBpfObject) {
  std::unique_ptr<btf, BtfDeleter> b(btf__parse_elf(TH_PROBE_BPF_OBJECT, nullptr));
  ASSERT_TRUE(b) << "cannot read BTF from " << TH_PROBE_BPF_OBJECT;
  expect_struct(b.get(), "th_interest", sizeof(th_interest),
                {{"syscalls", offsetof(th_interest, syscalls)},
                 {"mem_open_write", offsetof(th_interest, mem_open_write)},
                 {"mem_open_read", offsetof(th_interest, mem_open_read)},
                 {"ptrace_other", offsetof(th_interest, ptrace_other)},
                 {"ptrace_slots", offsetof(th_interest, ptrace_slots)}});
  expect_struct(b.get(), "th_kind_counters", sizeof(th_kind_counters),
                {{"events", offsetof(th_kind_counters, events)},
                 {"drops", offsetof(th_kind_counters, drops)},
                 {"filtered", offsetof(th_kind_counters, filtered)}});
  expect_struct(b.get(), "th_target", sizeof(th_target),
                {{"pid", offsetof(th_target, pid)},
                 {"tid", offsetof(th_target, tid)},
                 {"arg_pid", offsetof(th_target, arg_pid)},
                 {"is_descendant", offsetof(th_target, is_descendant)},
                 {"resolved_by", offsetof(th_target, resolved_by)}});
}

TEST(Layout, RecordsAreEightByteMultiples) {
  // Ring-buffer records are 8-byte aligned; the loader reads them in place.
  EXPECT_EQ(sizeof(th_ptrace_event) % 8, 0u);
  EXPECT_EQ(sizeof(th_vm_event) % 8, 0u);
  EXPECT_EQ(sizeof(th_mem_open_event) % 8, 0u);
  EXPECT_EQ(sizeof(th_fork_event) % 8, 0u);
  EXPECT_EQ(sizeof(th_exec_event) % 8, 0u);
  EXPECT_EQ(sizeof(th_exit_event) % 8, 0u);
  EXPECT_EQ(alignof(th_header), 8u);
}

TEST(Layout, EveryRecordStartsWithTheHeader) {
  EXPECT_EQ(offsetof(th_ptrace_event, h), 0u);
  EXPECT_EQ(offsetof(th_vm_event, h), 0u);
  EXPECT_EQ(offsetof(th_mem_open_event, h), 0u);
  EXPECT_EQ(offsetof(th_fork_event, h), 0u);
  EXPECT_EQ(offsetof(th_exec_event, h), 0u);
  EXPECT_EQ(offsetof(th_exit_event, h), 0u);
}

}  // namespace
