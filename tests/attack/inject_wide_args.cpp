// Arguments the kernel reads narrower than the register: what a monitor comparing whole registers
// gets wrong. Leaves the victim unchanged (every write puts back what was there).
//   inject_wide_args PID --mode arch_prctl   ATTACH; ARCH_PRCTL(ARCH_GET_FS); ARCH_PRCTL with
//                                            data = 1 << 32 | ARCH_SET_FS (the kernel takes the
//                                            low 32 bits: FS is written); DETACH
//   inject_wide_args PID --mode syscall_nr   ATTACH, PEEKTEXT, POKETEXT, DETACH, each made with
//                                            rax = 1 << 32 | __NR_ptrace (the kernel runs the
//                                            low 32 bits as the syscall number)
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "ptrace_util.h"

namespace {

constexpr long kHighBit = 1L << 32;

// ptrace(2) entered with the syscall number's high half set.
long ptrace_wide_nr(long request, pid_t pid, uint64_t addr, uint64_t data) {
  long ret;
  register long r10 asm("r10") = static_cast<long>(data);
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(kHighBit | SYS_ptrace), "D"(request), "S"(static_cast<long>(pid)),
                     "d"(addr), "r"(r10)
                   : "rcx", "r11", "memory");
  if (ret < 0) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
}

void arch_prctl_mode(pid_t pid, attack::Report& report) {
  attack::checked_ptrace(PTRACE_ATTACH, pid, nullptr, nullptr, "PTRACE_ATTACH");
  attack::wait_stopped(pid);
  unsigned long fs = 0;
  attack::checked_ptrace(PTRACE_ARCH_PRCTL, pid, &fs, reinterpret_cast<void*>(ARCH_GET_FS),
                         "PTRACE_ARCH_PRCTL(ARCH_GET_FS)");
  uint64_t data = static_cast<uint64_t>(kHighBit) | ARCH_SET_FS;
  attack::checked_ptrace(PTRACE_ARCH_PRCTL, pid, reinterpret_cast<void*>(fs),
                         reinterpret_cast<void*>(data), "PTRACE_ARCH_PRCTL(wide ARCH_SET_FS)");
  attack::checked_ptrace(PTRACE_DETACH, pid, nullptr, nullptr, "PTRACE_DETACH");
  report.add_string("fs", attack::hex(fs)).add_string("data", attack::hex(data));
}

void syscall_nr_mode(pid_t pid, attack::Report& report) {
  if (ptrace_wide_nr(PTRACE_ATTACH, pid, 0, 0) < 0) attack::die("wide PTRACE_ATTACH");
  attack::wait_stopped(pid);
  uint64_t addr = attack::find_exe_mapping(pid, "r-x");
  if (addr == 0) attack::die("no code mapping");
  unsigned long word = 0;  // the raw syscall stores the peeked word at *data
  if (ptrace_wide_nr(PTRACE_PEEKTEXT, pid, addr, reinterpret_cast<uint64_t>(&word)) < 0)
    attack::die("wide PTRACE_PEEKTEXT");
  if (ptrace_wide_nr(PTRACE_POKETEXT, pid, addr, word) < 0) attack::die("wide PTRACE_POKETEXT");
  if (ptrace_wide_nr(PTRACE_DETACH, pid, 0, 0) < 0) attack::die("wide PTRACE_DETACH");
  report.add_string("addr", attack::hex(addr)).add_string("nr", attack::hex(kHighBit | SYS_ptrace));
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, true, "PID --mode arch_prctl|syscall_nr");
  std::string mode = args.get("mode", "arch_prctl");
  attack::Report report("inject_wide_args");
  report.add_number("tracer_pid", getpid()).add_number("target_pid", args.pid).add_string("mode", mode);
  if (mode == "arch_prctl")
    arch_prctl_mode(args.pid, report);
  else if (mode == "syscall_nr")
    syscall_nr_mode(args.pid, report);
  else
    attack::die("unknown --mode " + mode);
  report.print();
  return 0;
}
