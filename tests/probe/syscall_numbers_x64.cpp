#include <asm/unistd_64.h>

#include "syscall_numbers.h"

namespace probe_test {

const std::vector<SyscallNumber> kX64Numbers = {
    {TH_SC_PTRACE, __NR_ptrace},
    {TH_SC_PROCESS_VM_READV, __NR_process_vm_readv},
    {TH_SC_PROCESS_VM_WRITEV, __NR_process_vm_writev},
    {TH_SC_OPEN, __NR_open},
    {TH_SC_OPENAT, __NR_openat},
    {TH_SC_OPENAT2, __NR_openat2},
    {TH_SC_EXECVE, __NR_execve},
    {TH_SC_EXECVEAT, __NR_execveat},
    {TH_SC_CLONE, __NR_clone},
    {TH_SC_CLONE3, __NR_clone3},
    {TH_SC_FORK, __NR_fork},
    {TH_SC_VFORK, __NR_vfork},
    {TH_SC_WRITE, __NR_write},
    {TH_SC_PWRITE64, __NR_pwrite64},
    {TH_SC_WRITEV, __NR_writev},
    {TH_SC_PWRITEV, __NR_pwritev},
    {TH_SC_PWRITEV2, __NR_pwritev2},
    {TH_SC_PIDFD_GETFD, __NR_pidfd_getfd},
};

}  // namespace probe_test
