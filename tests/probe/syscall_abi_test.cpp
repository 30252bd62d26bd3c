// The probe's syscall-number mapping (probe/syscall_abi.h) against the system's own tables.
#include "probe/syscall_abi.h"

#include <set>

#include <gtest/gtest.h>

#include "syscall_numbers.h"

namespace {

using probe_test::SyscallNumber;

struct AbiCase {
  const char* name;
  th_abi abi;
  const std::vector<SyscallNumber>* numbers;
  friend void PrintTo(const AbiCase& c, std::ostream* os) { *os << c.name; }
};

class SyscallAbiTest : public ::testing::TestWithParam<AbiCase> {};

TEST_P(SyscallAbiTest, EveryWatchedSyscallMapsFromTheSystemNumber) {
  const AbiCase& c = GetParam();
  for (const auto& [sc, nr] : *c.numbers)
    EXPECT_EQ(th_syscall_of(nr, c.abi), sc) << c.name << " syscall number " << nr;
}

TEST_P(SyscallAbiTest, TableCoversEverySyscallKindOnce) {
  std::set<int> kinds;
  for (const auto& n : *GetParam().numbers) kinds.insert(n.syscall);
  EXPECT_EQ(kinds.size(), static_cast<std::size_t>(TH_SC_COUNT - 1));
  EXPECT_EQ(kinds.count(TH_SC_NONE), 0u);
}

TEST_P(SyscallAbiTest, NoOtherNumberIsWatched) {
  const AbiCase& c = GetParam();
  std::set<long> watched;
  long base = c.abi == TH_ABI_X32 ? probe_test::kX32SyscallBit : 0;
  for (const auto& n : *c.numbers) watched.insert(n.nr);
  for (long nr = base; nr < base + 1024; ++nr) {
    if (!watched.count(nr)) {
      EXPECT_EQ(th_syscall_of(nr, c.abi), TH_SC_NONE) << c.name << " " << nr;
    }
  }
  EXPECT_EQ(th_syscall_of(-1, c.abi), TH_SC_NONE);
}

INSTANTIATE_TEST_SUITE_P(
    Abis, SyscallAbiTest,
    ::testing::Values(AbiCase{"x86-64", TH_ABI_X64, &probe_test::kX64Numbers},
                      AbiCase{"ia32", TH_ABI_IA32, &probe_test::kIa32Numbers},
                      AbiCase{"x32", TH_ABI_X32, &probe_test::kX32Numbers}),
    [](const auto& info) { return std::string(info.param.abi == TH_ABI_X64 ? "x64" : info.param.name); });

TEST(SyscallAbi, AbiComesFromTheCompatBitThenTheX32Bit) {
  EXPECT_EQ(probe_test::kX32SyscallBit, TH_X32_SYSCALL_BIT);
  EXPECT_EQ(th_abi_of(101, 0), TH_ABI_X64);
  EXPECT_EQ(th_abi_of(26, 1), TH_ABI_IA32);
  EXPECT_EQ(th_abi_of(TH_X32_SYSCALL_BIT | 521, 0), TH_ABI_X32);
  // int 0x80 with garbage in bit 30 is still an ia32 call.
  EXPECT_EQ(th_abi_of(TH_X32_SYSCALL_BIT | 26, 1), TH_ABI_IA32);
}

TEST(SyscallAbi, SameNumberMeansDifferentSyscallsPerAbi) {
  // 26 is ptrace for ia32 but msync on x86-64; 2 is fork for ia32 but open on x86-64.
  EXPECT_EQ(th_syscall_of(26, TH_ABI_IA32), TH_SC_PTRACE);
  EXPECT_EQ(th_syscall_of(26, TH_ABI_X64), TH_SC_NONE);
  EXPECT_EQ(th_syscall_of(2, TH_ABI_IA32), TH_SC_FORK);
  EXPECT_EQ(th_syscall_of(2, TH_ABI_X64), TH_SC_OPEN);
}

TEST(SyscallAbi, ArgumentRegistersFollowEachCallingConvention) {
  const th_reg x64[] = {TH_REG_DI, TH_REG_SI, TH_REG_DX, TH_REG_R10, TH_REG_R8, TH_REG_R9};
  const th_reg ia32[] = {TH_REG_BX, TH_REG_CX, TH_REG_DX, TH_REG_SI, TH_REG_DI, TH_REG_BP};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(th_arg_reg(TH_ABI_X64, i), x64[i]) << i;
    EXPECT_EQ(th_arg_reg(TH_ABI_X32, i), x64[i]) << i;
    EXPECT_EQ(th_arg_reg(TH_ABI_IA32, i), ia32[i]) << i;
  }
  EXPECT_FALSE(th_abi_is_compat(TH_ABI_X64));
  EXPECT_TRUE(th_abi_is_compat(TH_ABI_IA32));
  EXPECT_TRUE(th_abi_is_compat(TH_ABI_X32));
}

}  // namespace
