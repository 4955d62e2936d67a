/*
 * exit-now.S - the smallest guests, for bench/bench-kvm.py: they power off
 * with status 0 at their first instruction, so the time to their exit is the
 * VMM's own start-up (and, for QEMU, its firmware).
 *
 * Built twice (tests/guest/x86/CMakeLists.txt):
 *  - exit-now.elf: a 64-bit ELF for minimu -kernel; its entry writes 0 to the
 *    power-off port 0x501 (minimu's, and QEMU's isa-debug-exit in the bench).
 *  - exit-bios.bin (with -DBIOS): a 64 KiB firmware image for QEMU's -bios
 *    whose reset vector (0xffff0) does the same, so QEMU's time to it is its
 *    start-up without qboot.
 */
#ifdef BIOS
    .code16
    .section .text, "ax"
    .globl _start
_start:
    .org 0xfff0
    mov $0x501, %dx
    xor %al, %al
    out %al, %dx
1:  hlt
    jmp 1b
    .org 0x10000
#else
    .code64
    .section .text, "ax"
    .globl _start
_start:
    mov $0x501, %edx
    xor %eax, %eax
    out %al, %dx
1:  hlt
    jmp 1b
#endif
    .section .note.GNU-stack, "", @progbits
