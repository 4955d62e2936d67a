/*
 * head.S - the tutorial kernel's assembly: the bzImage setup header, the
 * 64-bit entry, interrupt stubs, the switch to CPL3 and back, and the AP's
 * real-mode trampoline.  Kept short: on kvm_pvm every CPL0 instruction is
 * emulated (see docs/kvm.md), and int3, int $n, rdtscp, popcnt, SSE moves,
 * xsave and stac/clac are not used anywhere.
 */
#define KCODE 0x10
#define KDATA 0x18
#define UDATA 0x23
#define UCODE 0x2b

/* ---- the setup header (Documentation/arch/x86/boot.rst) ------------------------------ */
    .section .setup, "a"
    .code16
setup_start:
    .org 0x1f1
    .byte 1                 /* setup_sects: 2 sectors of setup in all */
    .word 0                 /* root_flags */
    .long _syssize          /* syssize, 16-byte units */
    .word 0                 /* ram_size */
    .word 0xffff            /* vid_mode */
    .word 0                 /* root_dev */
    .word 0xaa55            /* boot_flag */
    .byte 0xeb, setup_hdr_end - hdr_magic   /* 0x200: jmp over the header */
hdr_magic:
    .ascii "HdrS"           /* 0x202 */
    .word 0x020f            /* 0x206 version 2.15 */
    .long 0                 /* 0x208 realmode_swtch */
    .word 0                 /* 0x20c start_sys_seg */
    .word 0                 /* 0x20e kernel_version */
    .byte 0                 /* 0x210 type_of_loader */
    .byte 1                 /* 0x211 loadflags: LOADED_HIGH */
    .word 0                 /* 0x212 setup_move_size */
    .long 0x100000          /* 0x214 code32_start */
    .long 0                 /* 0x218 ramdisk_image */
    .long 0                 /* 0x21c ramdisk_size */
    .long 0                 /* 0x220 bootsect_kludge */
    .word 0                 /* 0x224 heap_end_ptr */
    .byte 0, 0              /* 0x226 ext_loader_ver, ext_loader_type */
    .long 0                 /* 0x228 cmd_line_ptr */
    .long 0x7fffffff        /* 0x22c initrd_addr_max */
    .long 0x200000          /* 0x230 kernel_alignment */
    .byte 0                 /* 0x234 relocatable_kernel */
    .byte 0                 /* 0x235 min_alignment */
    .word 1                 /* 0x236 xloadflags: XLF_KERNEL_64 */
    .long 2047              /* 0x238 cmdline_size */
    .long 0                 /* 0x23c hardware_subarch */
    .quad 0                 /* 0x240 hardware_subarch_data */
    .long 0, 0              /* 0x248 payload_offset, payload_length */
    .quad 0                 /* 0x250 setup_data */
    .quad 0x100000          /* 0x258 pref_address */
    .long _init_size        /* 0x260 init_size */
    .long 0                 /* 0x264 handover_offset */
    .long 0                 /* 0x268 kernel_info_offset */
setup_hdr_end:

/*
 * The real-mode entry, for bootloaders that run the setup code (QEMU's
 * qboot enters at setup + 0x200 with %cs = seg + 0x20, %ds = seg, the zero
 * page at seg:0).  Switch to protected mode on a flat GDT in the kernel
 * image and jump to startup_32 at code32_start with %esi = the zero page,
 * as a real kernel's setup does.  minimu enters at startup_64 instead.
 */
real_entry:
    cli
    xor %ebx, %ebx
    mov %ds, %bx
    shl $4, %ebx                    /* linear address of the zero page */
    lgdtl %ds:rm_gdtr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    mov %ebx, %esi
    .byte 0x66, 0xea                /* ljmpl $0x08, $startup_32 */
    .long startup_32
    .word 0x08
    .align 4
rm_gdtr:
    .word boot32_gdt_end - boot32_gdt - 1
    .long boot32_gdt
    .org 1024

/* ---- entry ------------------------------------------------------------------------------ */
    .section .head, "ax"
    .code32
/*
 * The 32-bit entry (code32_start), reached from real_entry: %esi = zero
 * page, flat 32-bit segments.  Enter long mode on the static identity map
 * below and continue at startup_64 with %rsi = the zero page.
 */
startup_32:
    cli
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax                  /* PAE */
    mov %eax, %cr4
    mov $0xc0000080, %ecx           /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax            /* PG | PE */
    mov %eax, %cr0
    ljmp $0x18, $from32
    .align 8
boot32_gdt:                         /* null, 32-bit code 0x08, data 0x10, 64-bit code 0x18 */
    .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff, 0x00af9a000000ffff
boot32_gdt_end:
    .code64
from32:
    mov %esi, %esi                  /* the upper halves are undefined after the switch */
    jmp startup_64
    .org 0x200
    .code64
    .globl startup_64
startup_64:
    cli
    mov %rsi, %r15                  /* struct boot_params * */
    lea __bss_start(%rip), %rdi     /* zero .bss: a loader need not, and a reboot reuses RAM */
    lea _end(%rip), %rcx
    sub %rdi, %rcx
    shr $3, %rcx
    xor %eax, %eax
    rep stosq
    lea boot_stack_top(%rip), %rsp
    lgdt gdt_ptr(%rip)
    mov $KDATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    pushq $KCODE
    lea 1f(%rip), %rax
    push %rax
    lretq
1:  mov %r15, %rdi
    call kmain
    mov $0x501, %edx                /* power off with kmain's status */
    out %al, %dx
2:  hlt
    jmp 2b

    .text
/* The AP arrives here from the trampoline, in long mode on the BSP's tables. */
    .globl ap_entry64
ap_entry64:
    mov $KDATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov ap_stack_top(%rip), %rsp
    call ap_main
3:  cli
    hlt
    jmp 3b

/* ---- interrupt and exception stubs: 16 bytes per vector, table at isr_stubs --------- */
    .align 16
    .globl isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

isr_common:
    push %r15
    push %r14
    push %r13
    push %r12
    push %r11
    push %r10
    push %r9
    push %r8
    push %rbp
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rbx
    push %rax
    mov %rsp, %rdi
    call trap
    pop %rax
    pop %rbx
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rbp
    pop %r8
    pop %r9
    pop %r10
    pop %r11
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    add $16, %rsp
    iretq

/*
 * uint64_t run_user(uint64_t (*fn)(uint64_t), uint64_t arg, void *stack_top)
 * Runs fn(arg) at CPL3; fn's return value comes back when the user code's
 * final hlt faults (#GP) and trap() resumes us at user_returned.
 */
    .globl run_user, user_returned, user_halt
run_user:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, saved_kernel_rsp(%rip)
    mov %rdi, %rax                  /* fn */
    mov %rsi, %rdi                  /* arg */
    pushq $UDATA
    push %rdx                       /* user stack */
    pushq $0x202                    /* IF */
    pushq $UCODE
    lea user_trampoline(%rip), %rcx
    push %rcx
    iretq
user_returned:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

user_trampoline:                    /* CPL3 */
    call *%rax
user_halt:
    hlt                             /* privileged: #GP back to the kernel */

/* ---- the AP's real-mode trampoline, copied to 0x8000 (SIPI vector 0x08) ------------------ */
    .section .rodata
    .code16
    .globl ap_tramp_start, ap_tramp_end, ap_tramp_gdtr, ap_tramp_cr3
ap_tramp_start:
    cli
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_tramp_gdtr - ap_tramp_start
    movl ap_tramp_cr3 - ap_tramp_start, %eax
    mov %eax, %cr3
    mov $0x20, %eax                 /* PAE */
    mov %eax, %cr4
    mov $0xc0000080, %ecx           /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov $0x80000011, %eax           /* PG | ET | PE */
    mov %eax, %cr0
    .byte 0x66, 0xea                /* ljmpl $KCODE, $ap_entry64 */
    .long ap_entry64
    .word KCODE
    .align 4
ap_tramp_gdtr:
    .word 0
    .long 0
ap_tramp_cr3:
    .long 0
ap_tramp_end:
    .code64

/* Identity map of 0-4 GiB in 2 MiB pages, for the 32-bit entry only (minimu builds its own). */
    .data
    .balign 4096
boot_pml4:
    .quad boot_pdpt + 3
    .fill 511, 8, 0
boot_pdpt:
    .quad boot_pd + 3, boot_pd + 0x1003, boot_pd + 0x2003, boot_pd + 0x3003
    .fill 508, 8, 0
boot_pd:
    .set pg, 0
    .rept 2048
    .quad (pg << 21) | 0x83
    .set pg, pg + 1
    .endr

    .bss
    .align 16
    .space 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
