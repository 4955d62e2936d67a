/*
 * kvm-x86.c - the x86 half of the KVM accelerator: CPUID, the registers a
 * vCPU boots with (long mode or real mode, no BIOS), and register dumps.
 */
#define _GNU_SOURCE
#include "kvm-int.h"

#include "util/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* ---- CPUID --------------------------------------------------------------------------------- */

/*
 * Features whose instructions kvm_pvm's CPL0 emulator cannot run (measured,
 * see docs/kvm.md).  Hiding them lets a guest that honours CPUID (Linux's
 * alternatives) avoid them; it cannot hide SSE, which x86-64 implies.
 */
#define CPUID1_ECX_CX16    (1u << 13)
#define CPUID1_ECX_POPCNT  (1u << 23)
#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX     (1u << 28)
#define CPUID1_ECX_HV      (1u << 31)
#define CPUID7_EBX_AVX2    (1u << 5)
#define CPUID7_EBX_SMAP    (1u << 20)
#define CPUID7_EBX_AVX512  0xdc230000u /* F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID81_EDX_RDTSCP (1u << 27)

static struct kvm_cpuid2 *get_supported_cpuid(int kvm_fd)
{
    for (int n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
        if (!c) {
            return NULL;
        }
        c->nent = (uint32_t)n;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            return c;
        }
        free(c);
        if (errno != E2BIG) {
            return NULL;
        }
    }
    return NULL;
}

int kvm__x86_setup_cpuid(AccelState *s, KVMVCPU *v)
{
    struct kvm_cpuid2 *c = get_supported_cpuid(s->kvm_fd);
    if (!c) {
        error_report("-accel kvm: KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
        return -1;
    }
    uint32_t apic_id = (uint32_t)v->index;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & 0x00ffffffu) | (apic_id << 24);
            e->ebx = (e->ebx & 0xff00ffffu) | ((uint32_t)s->cfg.nr_vcpus << 16);
            e->ecx |= CPUID1_ECX_HV;
            if (s->pvm) {
                e->ecx &= ~(CPUID1_ECX_CX16 | CPUID1_ECX_POPCNT | CPUID1_ECX_XSAVE |
                            CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX);
            }
            break;
        case 7:
            if (s->pvm && e->index == 0) {
                e->ebx &= ~(CPUID7_EBX_AVX2 | CPUID7_EBX_SMAP | CPUID7_EBX_AVX512);
            }
            break;
        case 0xb:
        case 0x1f: e->edx = apic_id; break;
        case 0x80000001:
            if (s->pvm) {
                e->edx &= ~CPUID81_EDX_RDTSCP;
            }
            break;
        default: break;
        }
    }
    int r = ioctl(v->fd, KVM_SET_CPUID2, c);
    free(c);
    if (r < 0) {
        error_report("-accel kvm: KVM_SET_CPUID2 on vCPU %d: %s", v->index, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- boot registers ---------------------------------------------------------------------------- */

static void flat_segment(struct kvm_segment *seg, uint16_t sel, bool code)
{
    memset(seg, 0, sizeof(*seg));
    seg->selector = sel;
    seg->base = 0;
    seg->limit = 0xffffffff;
    seg->type = code ? 0xb : 0x3; /* execute/read or read/write, accessed */
    seg->present = 1;
    seg->s = 1;
    seg->g = 1;
    seg->l = code ? 1 : 0;
    seg->db = code ? 0 : 1;
}

int kvm__x86_set_boot(AccelState *s, int vcpu, const AccelX86Boot *b)
{
    if (vcpu < 0 || vcpu >= s->cfg.nr_vcpus) {
        return -1;
    }
    KVMVCPU *v = &s->vcpus[vcpu];
    struct kvm_sregs sr;
    struct kvm_regs regs;

    if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0) {
        goto fail;
    }
    if (b->long_mode) {
        flat_segment(&sr.cs, b->code_selector, true);
        flat_segment(&sr.ds, b->data_selector, false);
        sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
        sr.gdt.base = b->gdt_base;
        sr.gdt.limit = b->gdt_limit;
        sr.cr0 = 0x80050033; /* PG WP NE ET MP PE */
        sr.cr3 = b->cr3;
        sr.cr4 = 0x20;   /* PAE */
        sr.efer = 0x500; /* LMA LME */
    } else {
        sr.cs.selector = b->real_cs;
        sr.cs.base = (uint64_t)b->real_cs << 4;
    }
    if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0) {
        goto fail;
    }
    memset(&regs, 0, sizeof(regs));
    regs.rip = b->rip;
    regs.rsp = b->rsp;
    regs.rsi = b->rsi;
    regs.rdi = b->rdi;
    regs.rax = b->rax;
    regs.rbx = b->rbx;
    regs.rflags = 0x2;
    if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
        goto fail;
    }
    return 0;

fail:
    error_report("-accel kvm: cannot set the boot registers of vCPU %d: %s", vcpu, strerror(errno));
    return -1;
}

/* ---- dumps -------------------------------------------------------------------------------------- */

/* Guest-physical address of linear @la under 4-level paging, or -1. */
static int64_t walk64(AccelState *s, uint64_t cr3, uint64_t la)
{
    uint64_t table = cr3 & 0x000ffffffffff000ULL;
    for (int level = 3; level >= 0; level--) {
        uint64_t pte;
        unsigned idx = (unsigned)(la >> (12 + 9 * level)) & 0x1ff;
        if (address_space_read(s->cfg.mem, table + idx * 8, &pte, 8) != MEMTX_OK || !(pte & 1)) {
            return -1;
        }
        uint64_t addr = pte & 0x000ffffffffff000ULL;
        if (level > 0 && level < 3 && (pte & 0x80)) {
            uint64_t page = 1ULL << (12 + 9 * level);
            return (int64_t)((addr & ~(page - 1)) | (la & (page - 1)));
        }
        table = addr;
    }
    return (int64_t)(table | (la & 0xfff));
}

static int read_insn(AccelState *s, const struct kvm_sregs *sr, uint64_t rip, uint8_t *buf)
{
    uint64_t la = sr->cs.base + rip;
    int64_t pa = (int64_t)la;
    if (sr->cr0 & 0x80000000u) {
        if (!(sr->efer & 0x400)) {
            return 0; /* 32-bit paging: not walked */
        }
        pa = walk64(s, sr->cr3, la);
        if (pa < 0) {
            return 0;
        }
    }
    for (int n = 15; n > 0; n--) {
        if (address_space_read(s->cfg.mem, (uint64_t)pa, buf, (size_t)n) == MEMTX_OK) {
            return n;
        }
    }
    return 0;
}

void kvm__x86_dump(AccelState *s, KVMVCPU *v, const char *why)
{
    FILE *f = kvm__log(s);
    struct kvm_regs r;
    struct kvm_sregs sr;
    struct kvm_run *run = v->run;

    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sr) < 0) {
        fprintf(f, "minimu: kvm: vCPU %d: %s (registers unavailable: %s)\n", v->index, why,
                strerror(errno));
        return;
    }
    uint8_t insn[15];
    int n = 0;
    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
        run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
        (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
        run->emulation_failure.insn_size > 0) {
        n = (int)run->emulation_failure.insn_size;
        if (n > 15) {
            n = 15;
        }
        memcpy(insn, run->emulation_failure.insn_bytes, (size_t)n);
    } else {
        n = read_insn(s, &sr, r.rip, insn);
    }
    char bytes[15 * 3 + 1] = "";
    for (int i = 0; i < n; i++) {
        snprintf(bytes + 3 * i, 4, "%02x ", insn[i]);
    }

    fprintf(f, "minimu: kvm: vCPU %d stopped: %s", v->index, why);
    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
        fprintf(f, " (suberror %u)", run->internal.suberror);
    }
    fprintf(f, "\n");
    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
        run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION && s->pvm) {
        fprintf(f,
                "minimu: kvm: host limit: this host's KVM is kvm_pvm, whose CPL0 instruction "
                "emulator cannot run the instruction at rip 0x%llx (bytes: %s); not a minimu bug, "
                "see docs/kvm.md\n",
                (unsigned long long)r.rip, n ? bytes : "unreadable");
    }
    fprintf(f, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", r.rax, r.rbx, r.rcx, r.rdx);
    fprintf(f, "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n", r.rsi, r.rdi, r.rbp, r.rsp);
    fprintf(f, "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n", r.r8, r.r9, r.r10, r.r11);
    fprintf(f, "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n", r.r12, r.r13, r.r14, r.r15);
    fprintf(f, "RIP=%016llx RFL=%08llx CPL=%u\n", r.rip, r.rflags, sr.cs.selector & 3);
    fprintf(f, "CS =%04x %016llx %08x  SS =%04x %016llx %08x\n", sr.cs.selector, sr.cs.base,
            sr.cs.limit, sr.ss.selector, sr.ss.base, sr.ss.limit);
    fprintf(f, "GDT=%016llx %04x  IDT=%016llx %04x  TR=%04x\n", sr.gdt.base, sr.gdt.limit,
            sr.idt.base, sr.idt.limit, sr.tr.selector);
    fprintf(f, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%llx\n", sr.cr0, sr.cr2, sr.cr3,
            sr.cr4, sr.efer);
    fprintf(f, "Code=%s\n", n ? bytes : "(unreadable)");
    fflush(f);
}
