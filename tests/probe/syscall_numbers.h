// The syscall numbers the probe watches, per ABI, as the system's <asm/unistd_*.h> define them.
// One table per ABI, each from its own translation unit (the headers define the same names).
#pragma once

#include <vector>

#include "probe/tracehound.h"

namespace probe_test {

struct SyscallNumber {
  th_syscall syscall;
  long nr;
};

extern const std::vector<SyscallNumber> kX64Numbers;
extern const std::vector<SyscallNumber> kIa32Numbers;
extern const std::vector<SyscallNumber> kX32Numbers;  // with __X32_SYSCALL_BIT set
extern const long kX32SyscallBit;

}  // namespace probe_test
