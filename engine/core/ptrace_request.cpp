#include "engine/core/ptrace_request.h"

#include <algorithm>
#include <array>

namespace th {
namespace {

// Values from <linux/ptrace.h> and <asm/ptrace-abi.h> (x86).
constexpr std::array<PtraceRequestName, 45> kRequests = {{
    {0, "PTRACE_TRACEME"},
    {1, "PTRACE_PEEKTEXT"},
    {2, "PTRACE_PEEKDATA"},
    {3, "PTRACE_PEEKUSR"},
    {4, "PTRACE_POKETEXT"},
    {5, "PTRACE_POKEDATA"},
    {6, "PTRACE_POKEUSR"},
    {7, "PTRACE_CONT"},
    {8, "PTRACE_KILL"},
    {9, "PTRACE_SINGLESTEP"},
    {12, "PTRACE_GETREGS"},
    {13, "PTRACE_SETREGS"},
    {14, "PTRACE_GETFPREGS"},
    {15, "PTRACE_SETFPREGS"},
    {16, "PTRACE_ATTACH"},
    {17, "PTRACE_DETACH"},
    {18, "PTRACE_GETFPXREGS"},
    {19, "PTRACE_SETFPXREGS"},
    {21, "PTRACE_OLDSETOPTIONS"},
    {24, "PTRACE_SYSCALL"},
    {25, "PTRACE_GET_THREAD_AREA"},
    {26, "PTRACE_SET_THREAD_AREA"},
    {30, "PTRACE_ARCH_PRCTL"},
    {31, "PTRACE_SYSEMU"},
    {32, "PTRACE_SYSEMU_SINGLESTEP"},
    {33, "PTRACE_SINGLEBLOCK"},
    {0x4200, "PTRACE_SETOPTIONS"},
    {0x4201, "PTRACE_GETEVENTMSG"},
    {0x4202, "PTRACE_GETSIGINFO"},
    {0x4203, "PTRACE_SETSIGINFO"},
    {0x4204, "PTRACE_GETREGSET"},
    {0x4205, "PTRACE_SETREGSET"},
    {0x4206, "PTRACE_SEIZE"},
    {0x4207, "PTRACE_INTERRUPT"},
    {0x4208, "PTRACE_LISTEN"},
    {0x4209, "PTRACE_PEEKSIGINFO"},
    {0x420a, "PTRACE_GETSIGMASK"},
    {0x420b, "PTRACE_SETSIGMASK"},
    {0x420c, "PTRACE_SECCOMP_GET_FILTER"},
    {0x420d, "PTRACE_SECCOMP_GET_METADATA"},
    {0x420e, "PTRACE_GET_SYSCALL_INFO"},
    {0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"},
    {0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"},
    {0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"},
    {0x4212, "PTRACE_SET_SYSCALL_INFO"},
}};

// glibc spells a few requests differently from the kernel headers.
constexpr std::array<PtraceRequestName, 4> kAliases = {{
    {3, "PTRACE_PEEKUSER"},
    {6, "PTRACE_POKEUSER"},
    {0x4200, "PTRACE_SETOPTIONS"},
    {21, "PTRACE_OLDSETOPTIONS"},
}};

}  // namespace

std::span<const PtraceRequestName> ptrace_requests() { return kRequests; }

std::optional<int64_t> ptrace_request_from_name(std::string_view name) {
  for (const auto& r : kRequests)
    if (r.name == name) return r.value;
  for (const auto& r : kAliases)
    if (r.name == name) return r.value;
  return std::nullopt;
}

std::string_view ptrace_request_name(int64_t value) {
  auto it = std::lower_bound(kRequests.begin(), kRequests.end(), value,
                             [](const PtraceRequestName& r, int64_t v) { return r.value < v; });
  if (it != kRequests.end() && it->value == value) return it->name;
  return {};
}

bool ptrace_request_writes(int64_t value) {
  switch (value) {
    case 4: case 5: case 6:           // POKETEXT POKEDATA POKEUSR
    case 13: case 15: case 19:        // SETREGS SETFPREGS SETFPXREGS
    case 26:                          // SET_THREAD_AREA
    case 0x4203: case 0x4205:         // SETSIGINFO SETREGSET
    case 0x420b:                      // SETSIGMASK
    case 0x4212:                      // SET_SYSCALL_INFO
      return true;
    default:
      return false;
  }
}

}  // namespace th
