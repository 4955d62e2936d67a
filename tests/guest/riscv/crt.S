/*
 * crt.S - start-up code of the RISC-V guest tests: stacks, trap entries for
 * M and S mode that save a full register frame and call C, and enter_mode()
 * to run a function in S or U mode until it calls mode_exit() (ecall a7=93).
 */
#define FRAME 288

    .section .text.start
    .globl _start
_start:
    la sp, _stack_top
    la t0, mtrap_entry
    csrw mtvec, t0
    la t0, _mtrap_stack_top
    csrw mscratch, t0
    la t0, _strap_stack_top
    csrw sscratch, t0
    li t0, -1                   /* PMP entry 0: NAPOT over everything, RWX (QEMU */
    csrw pmpaddr0, t0           /* refuses mret to S/U without a PMP rule) */
    li t0, 0x1f
    csrw pmpcfg0, t0
    li t0, (1 << 13)            /* FS = Initial */
    csrs mstatus, t0
    csrwi fcsr, 0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call main
    call exit
3:  j 3b

.macro SAVE_FRAME p
    csrrw sp, \p\()scratch, sp
    addi sp, sp, -FRAME
    sd x1, 8(sp)
    sd x3, 24(sp)
    sd x4, 32(sp)
    sd x5, 40(sp)
    sd x6, 48(sp)
    sd x7, 56(sp)
    sd x8, 64(sp)
    sd x9, 72(sp)
    sd x10, 80(sp)
    sd x11, 88(sp)
    sd x12, 96(sp)
    sd x13, 104(sp)
    sd x14, 112(sp)
    sd x15, 120(sp)
    sd x16, 128(sp)
    sd x17, 136(sp)
    sd x18, 144(sp)
    sd x19, 152(sp)
    sd x20, 160(sp)
    sd x21, 168(sp)
    sd x22, 176(sp)
    sd x23, 184(sp)
    sd x24, 192(sp)
    sd x25, 200(sp)
    sd x26, 208(sp)
    sd x27, 216(sp)
    sd x28, 224(sp)
    sd x29, 232(sp)
    sd x30, 240(sp)
    sd x31, 248(sp)
    csrr t0, \p\()scratch
    sd t0, 16(sp)
    csrr t0, \p\()epc
    sd t0, 256(sp)
    csrr t0, \p\()cause
    sd t0, 264(sp)
    csrr t0, \p\()tval
    sd t0, 272(sp)
    csrr t0, \p\()status
    sd t0, 280(sp)
    mv a0, sp
.endm

.macro RESTORE_FRAME p
    ld t0, 256(sp)
    csrw \p\()epc, t0
    ld t0, 280(sp)
    csrw \p\()status, t0
    addi t0, sp, FRAME
    csrw \p\()scratch, t0
    ld x1, 8(sp)
    ld x3, 24(sp)
    ld x4, 32(sp)
    ld x5, 40(sp)
    ld x6, 48(sp)
    ld x7, 56(sp)
    ld x8, 64(sp)
    ld x9, 72(sp)
    ld x10, 80(sp)
    ld x11, 88(sp)
    ld x12, 96(sp)
    ld x13, 104(sp)
    ld x14, 112(sp)
    ld x15, 120(sp)
    ld x16, 128(sp)
    ld x17, 136(sp)
    ld x18, 144(sp)
    ld x19, 152(sp)
    ld x20, 160(sp)
    ld x21, 168(sp)
    ld x22, 176(sp)
    ld x23, 184(sp)
    ld x24, 192(sp)
    ld x25, 200(sp)
    ld x26, 208(sp)
    ld x27, 216(sp)
    ld x28, 224(sp)
    ld x29, 232(sp)
    ld x30, 240(sp)
    ld x31, 248(sp)
    ld sp, 16(sp)
.endm

    .text
    .align 6
    .globl mtrap_entry
mtrap_entry:
    SAVE_FRAME m
    call m_trap
    RESTORE_FRAME m
    mret

    .align 6
    .globl strap_entry
strap_entry:
    SAVE_FRAME s
    call s_trap
    RESTORE_FRAME s
    sret

/* void enter_mode(int mode, void (*fn)(void), void *stack): returns after fn calls mode_exit(). */
    .globl enter_mode
enter_mode:
    addi sp, sp, -112
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    sd s3, 32(sp)
    sd s4, 40(sp)
    sd s5, 48(sp)
    sd s6, 56(sp)
    sd s7, 64(sp)
    sd s8, 72(sp)
    sd s9, 80(sp)
    sd s10, 88(sp)
    sd s11, 96(sp)
    la t0, saved_m_sp
    sd sp, 0(t0)
    csrr t0, mstatus
    li t1, ~(3 << 11)
    and t0, t0, t1
    slli a0, a0, 11
    or t0, t0, a0
    csrw mstatus, t0
    csrw mepc, a1
    mv sp, a2
    mret

    .globl mode_return
mode_return:
    la t0, saved_m_sp
    ld sp, 0(t0)
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    ld s3, 32(sp)
    ld s4, 40(sp)
    ld s5, 48(sp)
    ld s6, 56(sp)
    ld s7, 64(sp)
    ld s8, 72(sp)
    ld s9, 80(sp)
    ld s10, 88(sp)
    ld s11, 96(sp)
    addi sp, sp, 112
    ret

    .globl mode_exit
mode_exit:
    li a7, 93
    ecall
1:  j 1b

    .data
saved_m_sp: .dword 0
