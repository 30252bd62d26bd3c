// Syscall arguments as the kernel reads them (probe/kernel_args.h): one row per way an injector
// can set bits the kernel ignores or sign-extends. Each row names the kernel code it follows.
#include "probe/kernel_args.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "engine/core/exe_trust.h"
#include "probe/interest_filter.h"
#include "probe/syscall_abi.h"

namespace {

struct ArgCase {
  const char* what;
  uint64_t reg;
  int64_t expected;
};

// do_syscall_64(regs, int nr) gets `movslq %eax`; the ia32 entries store 32 bits.
const ArgCase kSyscallNumbers[] = {
    {"plain ptrace", 101, 101},
    {"ptrace with bit 32 set", (1ULL << 32) | 101, 101},
    {"ptrace with every high bit set", 0xffffffff00000065ULL, 101},
    {"process_vm_writev with high garbage", 0xdead0000'00000137ULL, 311},
    {"x32 ptrace keeps bit 30", 0x1'40000209ULL, 0x40000209},
    {"-1 (no syscall, seccomp/ptrace skip) stays -1", 0xffffffffffffffffULL, -1},
    {"0xffffffff in the low half is -1 too", 0x00000000ffffffffULL, -1},
};

TEST(KernelArgs, SyscallNumberIsTheLow32BitsAsAnInt) {
  for (const auto& c : kSyscallNumbers) EXPECT_EQ(th_syscall_nr(c.reg), c.expected) << c.what;
}

TEST(KernelArgs, WideSyscallNumbersStillMapToTheWatchedSyscall) {
  EXPECT_EQ(th_syscall_of(th_syscall_nr((1ULL << 32) | 101), TH_ABI_X64), TH_SC_PTRACE);
  EXPECT_EQ(th_syscall_of(th_syscall_nr((7ULL << 40) | 311), TH_ABI_X64), TH_SC_PROCESS_VM_WRITEV);
  EXPECT_EQ(th_syscall_of(th_syscall_nr((1ULL << 33) | 257), TH_ABI_X64), TH_SC_OPENAT);
  long x32 = th_syscall_nr((1ULL << 32) | 0x40000000ULL | 521);
  EXPECT_EQ(th_abi_of(x32, 0), TH_ABI_X32);
  EXPECT_EQ(th_syscall_of(x32, TH_ABI_X32), TH_SC_PTRACE);
}

struct LongCase {
  const char* what;
  uint64_t reg;
  int compat;
  int64_t expected;
};

// SYSCALL_DEFINE4(ptrace, long request, ...) native; compat_sys_ptrace(compat_long_t request).
const LongCase kRequests[] = {
    {"native POKETEXT", 4, 0, 4},
    {"native: high bits make another request (the kernel's switch is on the long)",
     (1ULL << 32) | 4, 0, (int64_t{1} << 32) | 4},
    {"ia32: upper half of the register ignored", 0xabcd0000'00000004ULL, 1, 4},
    {"ia32: sign-extended", 0x00000000'ffffffffULL, 1, -1},
    {"ia32: SEIZE", 0x4206, 1, 0x4206},
    {"native: -1", 0xffffffffffffffffULL, 0, -1},
};

TEST(KernelArgs, LongArgumentsFollowTheAbi) {
  for (const auto& c : kRequests)
    EXPECT_EQ(th_long_arg(c.reg, c.compat), c.expected) << c.what;
}

TEST(KernelArgs, InterestFilterSeesTheRequestTheKernelRuns) {
  th_interest in{};
  in.syscalls = 1u << TH_SC_PTRACE;
  in.ptrace_slots[0] = 1ULL << 4;  // POKETEXT only
  EXPECT_TRUE(th_interest_wants_ptrace(&in, th_long_arg(0xabcd0000'00000004ULL, 1)));
  EXPECT_FALSE(th_interest_wants_ptrace(&in, th_long_arg((1ULL << 32) | 4, 0)))
      << "natively, 1 << 32 | 4 is not POKETEXT: the kernel answers EIO";
}

const ArgCase kPids[] = {
    {"plain", 1234, 1234},
    {"high bits ignored (pid_t)", 0x1'000004d2ULL, 1234},
    {"negative in the low half", 0xffffffffULL, -1},
    {"sign of the 64-bit value does not matter", 0x80000000'000004d2ULL, 1234},
};

TEST(KernelArgs, PidArgumentsArePidT) {
  for (const auto& c : kPids) EXPECT_EQ(th_pid_arg(c.reg), c.expected) << c.what;
}

// kernel/fork.c, SYSCALL_DEFINE5(clone): .flags = lower_32_bits(clone_flags) & ~CSIGNAL.
const ArgCase kCloneFlags[] = {
    {"CLONE_THREAD|CLONE_VM|...", 0x50f00, 0x50f00},
    {"high half ignored", 0xffffffff'00000011ULL, 0x11},
    {"CLONE_CLEAR_SIGHAND (bit 32) cannot be passed to clone(2)", 0x1'00000000ULL, 0},
};

TEST(KernelArgs, CloneFlagsAreTheLow32Bits) {
  for (const auto& c : kCloneFlags)
    EXPECT_EQ(static_cast<int64_t>(th_clone_flags_arg(c.reg)), c.expected) << c.what;
}

// arch_ptrace(): case PTRACE_ARCH_PRCTL: do_arch_prctl_64(child, data, addr), `int option`.
const ArgCase kArchPrctl[] = {
    {"ARCH_SET_FS", 0x1002, 0x1002},
    {"ARCH_SET_FS with bit 32 set", 0x1'00001002ULL, 0x1002},
    {"ARCH_SET_GS with every high bit set", 0xffffffff'00001001ULL, 0x1001},
    {"ARCH_GET_FS stays a read", 0x7'00001003ULL, 0x1003},
};

TEST(KernelArgs, ArchPrctlCodeIsAnInt) {
  for (const auto& c : kArchPrctl) EXPECT_EQ(th_arch_prctl_code(c.reg), c.expected) << c.what;
}

// fs/read_write.c: SYSCALL_DEFINE3(write, unsigned int, fd, ...) and kin: fdget(unsigned int).
const ArgCase kFds[] = {
    {"plain", 3, 3},
    {"high bits ignored (unsigned int)", 0xabcd0000'00000003ULL, 3},
    {"-1 in the low half is a large number, not -1", 0xffffffffULL, 0xffffffffLL},
};

TEST(KernelArgs, DescriptorArgumentsAreUnsignedInt) {
  for (const auto& c : kFds) EXPECT_EQ(static_cast<int64_t>(th_fd_arg(c.reg)), c.expected) << c.what;
}

struct PosCase {
  const char* what;
  uint64_t lo, hi;
  int ia32;
  uint64_t expected;
};

// sys_ia32_pwrite64(fd, buf, count, u32 poslo, u32 poshi); compat_sys_pwritev{,2}(..., pos_low,
// pos_high); natively pos_from_hilo(pos_h, pos_l) shifts pos_h out on 64-bit: pos_l alone.
const PosCase kPositions[] = {
    {"native: one register", 0x7fff'12345678ULL, 0xdead, 0, 0x7fff'12345678ULL},
    {"native: pos_h ignored", 0x1000, 0xffffffffULL, 0, 0x1000},
    {"ia32: two halves, low first", 0x12345678, 0x7fff, 1, 0x7fff'12345678ULL},
    {"ia32: garbage above each half ignored", 0xffff0000'00001000ULL, 0xffff0000'00000001ULL, 1,
     0x1'00001000ULL},
};

TEST(KernelArgs, WriteOffsetsFollowTheAbi) {
  for (const auto& c : kPositions) EXPECT_EQ(th_pos_arg(c.lo, c.hi, c.ia32), c.expected) << c.what;
}

// The engine names the probe's environment bits: both sides must agree on every value.
TEST(KernelArgs, EnvInjectionBitsAgreeWithTheEngine) {
  EXPECT_EQ(th::env_injection_bit("LD_PRELOAD"), TH_ENV_LD_PRELOAD);
  EXPECT_EQ(th::env_injection_bit("LD_AUDIT"), TH_ENV_LD_AUDIT);
  EXPECT_EQ(th::env_injection_bit("LD_LIBRARY_PATH"), TH_ENV_LD_LIBRARY_PATH);
  EXPECT_EQ(th::env_injection_bit("UNSCANNED"), TH_ENV_UNSCANNED);
  EXPECT_EQ(th::env_injection_names(TH_ENV_LD_PRELOAD | TH_ENV_UNSCANNED), "LD_PRELOAD,UNSCANNED");
  std::string block = std::string("HOME=/root\0LD_AUDIT=/tmp/a.so\0LD_PRELOADX=1\0", 44);
  EXPECT_EQ(th::env_injection_of(block, false), TH_ENV_LD_AUDIT);
  EXPECT_EQ(th::env_injection_of("", true), TH_ENV_UNSCANNED);
}

}  // namespace
