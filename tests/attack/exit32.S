# A static 32-bit (i386) program without libc: exits 0. Built with the binutils assembler and
# linker alone (no multilib needed), for tests of what the probe reads from a 32-bit process at
# exec (its stack holds 4-byte pointers).
        .text
        .globl _start
_start:
        movl $1, %eax          # ia32 exit
        xorl %ebx, %ebx
        int $0x80
