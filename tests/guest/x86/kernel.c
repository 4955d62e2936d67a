/*
 * kernel.c - the x86-64 tutorial kernel: booted by minimu's microvm board
 * through the Linux boot protocol, it checks what the board handed over and
 * exercises the in-kernel irqchip, the ioeventfd/irqfd doorbell, CPL3 and a
 * second vCPU, printing one line per check on COM1 and powering off with the
 * number of failed checks as minimu's exit status.
 *
 * Built freestanding with general registers only (no SSE at CPL0: kvm_pvm's
 * emulator cannot run SSE moves).
 */
#include <stdint.h>

#define COM1       0x3f8
#define LAPIC      0xfee00000UL
#define IOAPIC     0xfec00000UL
#define VEC_PIT    0x30
#define VEC_DOOR   0x31
#define VEC_LAPIC  0x40
#define DOORBELL   0x510
#define DOOR_GSI   5
#define KCODE      0x10
#define KDATA      0x18
#define TRAMPOLINE 0x8000

typedef struct Frame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vec, err, rip, cs, rflags, rsp, ss;
} Frame;

extern char isr_stubs[], user_returned[], user_halt[];
extern char ap_tramp_start[], ap_tramp_end[], ap_tramp_gdtr[], ap_tramp_cr3[];
uint64_t run_user(uint64_t (*fn)(uint64_t), uint64_t arg, void *stack_top);

uint64_t saved_kernel_rsp;
uint64_t ap_stack_top;

static uint64_t gdt[10] = {
    0,
    0,
    0x00af9b000000ffffULL,
    0x00cf93000000ffffULL, /* null, null, kernel code/data */
    0x00cff3000000ffffULL,
    0x00affb000000ffffULL, /* user data 0x23, user code 0x2b */
};
static struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
} idt_ptr_v;
struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
} gdt_ptr = {sizeof(gdt) - 1, (uint64_t)gdt};

static uint64_t idt[512];
static uint32_t tss[2][26] __attribute__((aligned(16)));
static uint8_t int_stack[2][8192] __attribute__((aligned(16)));
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));

static volatile uint64_t pit_ticks, door_irqs, lapic_ticks[2], ap_online, spurious;
static volatile int unexpected_vec = -1;
static int failures;
/* "tutorial.qemu": run under QEMU's microvm (bench/): no doorbell, no minimu-specific cmdline. */
static int on_qemu;

/* ---- port I/O, MMIO, serial ------------------------------------------------------------------ */

static inline void outb(uint16_t p, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outl(uint16_t p, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p));
}
static inline uint8_t inb(uint16_t p)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
    return v;
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}
static inline void mmio_w(uint64_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}
static inline uint32_t mmio_r(uint64_t a)
{
    return *(volatile uint32_t *)a;
}

static void putc_(char c)
{
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, (uint8_t)c);
}
static void puts_(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') {
            putc_('\r');
        }
        putc_(*s);
    }
}
static void putu(uint64_t v)
{
    char b[21];
    int i = 20;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_(b + i);
}
static void putx(uint64_t v)
{
    char b[17];
    for (int i = 15; i >= 0; i--, v >>= 4) {
        b[i] = "0123456789abcdef"[v & 15];
    }
    b[16] = 0;
    puts_("0x");
    puts_(b);
}
static void check(int ok, const char *what)
{
    puts_(ok ? "ok   " : "FAIL ");
    puts_(what);
    puts_("\n");
    if (!ok) {
        failures++;
    }
}

/* ---- helpers ------------------------------------------------------------------------------------ */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}
static const char *find(const char *s, const char *w)
{
    for (; *s; s++) {
        const char *a = s, *b = w;
        while (*b && *a == *b) {
            a++, b++;
        }
        if (!*b) {
            return s;
        }
    }
    return 0;
}
static uint64_t parse_num(const char *s, int base)
{
    uint64_t v = 0;
    for (;; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : 99;
        if (d >= base) {
            return v;
        }
        v = v * (uint64_t)base + (uint64_t)d;
    }
}
/* Wait until *p >= n with interrupts on; false after ~2^33 TSC cycles. */
static int wait_for(volatile uint64_t *p, uint64_t n)
{
    uint64_t t0 = rdtsc();
    __asm__ volatile("sti");
    while (*p < n) {
        if (rdtsc() - t0 > (1ULL << 33)) {
            __asm__ volatile("cli");
            return 0;
        }
        __asm__ volatile("pause");
    }
    __asm__ volatile("cli");
    return 1;
}

/* ---- interrupts ----------------------------------------------------------------------------------- */

static void lapic_eoi(void)
{
    mmio_w(LAPIC + 0xb0, 0);
}

void trap(Frame *f)
{
    switch (f->vec) {
    case VEC_PIT:
        pit_ticks++;
        lapic_eoi();
        return;
    case VEC_DOOR:
        door_irqs++;
        lapic_eoi();
        return;
    case VEC_LAPIC:
        lapic_ticks[mmio_r(LAPIC + 0x20) >> 24 & 1]++;
        lapic_eoi();
        return;
    case 0xff: spurious++; return;
    case 13:
        if ((f->cs & 3) == 3 && f->rip == (uint64_t)user_halt) {
            /* CPL3 code finished: resume run_user() at CPL0 with the user's %rax. */
            f->rip = (uint64_t)user_returned;
            f->cs = KCODE;
            f->ss = KDATA;
            f->rsp = saved_kernel_rsp;
            f->rflags = 0x2;
            return;
        }
        break;
    default: break;
    }
    puts_("FAIL unexpected exception/interrupt vector ");
    putu(f->vec);
    puts_(" at rip ");
    putx(f->rip);
    puts_(" error ");
    putx(f->err);
    puts_("\n");
    outb(0x501, 99);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

static void set_gate(int vec, int dpl)
{
    uint64_t a = (uint64_t)isr_stubs + 16 * (uint64_t)vec;
    idt[2 * vec] = (a & 0xffff) | (uint64_t)KCODE << 16 | (uint64_t)(0x8e | dpl << 5) << 40 |
                   ((a >> 16) & 0xffff) << 48;
    idt[2 * vec + 1] = a >> 32;
}

static void set_tss(int cpu)
{
    uint64_t base = (uint64_t)tss[cpu], limit = sizeof(tss[cpu]) - 1;
    uint64_t rsp0 = (uint64_t)(int_stack[cpu] + sizeof(int_stack[cpu]));
    tss[cpu][1] = (uint32_t)rsp0;
    tss[cpu][2] = (uint32_t)(rsp0 >> 32);
    tss[cpu][25] = (uint32_t)sizeof(tss[cpu]) << 16; /* I/O map base: none */
    gdt[6 + 2 * cpu] =
        (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
    gdt[7 + 2 * cpu] = base >> 32;
}

static void load_cpu_tables(int cpu)
{
    idt_ptr_v.limit = sizeof(idt) - 1;
    idt_ptr_v.base = (uint64_t)idt;
    __asm__ volatile("lidt %0" ::"m"(idt_ptr_v));
    uint16_t sel = (uint16_t)(0x30 + 0x10 * cpu);
    __asm__ volatile("ltr %0" ::"r"(sel));
}

static void lapic_enable(void)
{
    mmio_w(LAPIC + 0xf0, 0x1ff);    /* software enable, spurious vector 0xff */
    mmio_w(LAPIC + 0x350, 1 << 16); /* LINT0 masked: no ExtINT from the PIC */
    mmio_w(LAPIC + 0x80, 0);        /* TPR */
}

static void ioapic_route(int pin, int vec, int masked)
{
    mmio_w(IOAPIC, 0x11 + 2 * (uint32_t)pin);
    mmio_w(IOAPIC + 0x10, 0); /* destination APIC 0 */
    mmio_w(IOAPIC, 0x10 + 2 * (uint32_t)pin);
    mmio_w(IOAPIC + 0x10, (uint32_t)vec | (masked ? 1u << 16 : 0));
}

/* ---- the checks --------------------------------------------------------------------------------------- */

static void check_boot_params(const uint8_t *bp)
{
    check(rd32(bp + 0x202) == 0x53726448 && rd16(bp + 0x206) >= 0x20c,
          "boot_params: setup header magic HdrS, protocol >= 2.12");
    const char *cmd = (const char *)(uint64_t)rd32(bp + 0x228);
    on_qemu = find(cmd, "tutorial.qemu") != 0;
    check((bp[0x210] == 0xff || (on_qemu && bp[0x210])) && (bp[0x211] & 1),
          "boot_params: type_of_loader 0xff (QEMU: its own), LOADED_HIGH");

    puts_("cmdline: ");
    puts_(cmd);
    puts_("\n");
    const char *mem = find(cmd, "tutorial.mem=");
    check(mem && (on_qemu || find(cmd, "virtio_mmio.device=512@0xfeb00000:16")),
          "cmdline: tutorial.mem= and the virtio-mmio slots");

    uint64_t ram = 0, n = bp[0x1e8];
    int kernel_in_ram = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *e = bp + 0x2d0 + 20 * i;
        uint64_t a = rd64(e), s = rd64(e + 8);
        if (rd32(e + 16) == 1) {
            ram += s;
            kernel_in_ram |= a <= 0x100000 && a + s > 0x200000;
        }
    }
    uint64_t want = mem ? parse_num(mem + 13, 10) << 20 : 0;
    puts_("e820: ");
    putu(n);
    puts_(" entries, ");
    putu(ram >> 10);
    puts_(" KiB usable\n");
    if (on_qemu && n == 0) {
        puts_("e820: skipped (QEMU: a real setup would ask qboot through int 0x15)\n");
    } else
        check(n >= 3 && kernel_in_ram && ram <= want && ram + (1 << 20) >= want,
              "e820: usable RAM matches -m and covers the kernel");

    uint64_t img = rd32(bp + 0x218) | (uint64_t)rd32(bp + 0xc0) << 32;
    uint64_t size = rd32(bp + 0x21c) | (uint64_t)rd32(bp + 0xc4) << 32;
    const char *rd = (const char *)img;
    int ok = img && size > 16 && (img & 0xfff) == 0 && img + size <= want;
    if (ok) {
        const char *tag = 0;
        for (uint64_t i = 0; i + 6 < size; i++) {
            if (rd[i] == 'f' && rd[i + 1] == 'n' && rd[i + 2] == 'v' && rd[i + 5] == '=') {
                tag = rd + i;
            }
        }
        uint32_t h = 0x811c9dc5;
        for (const char *p = rd; tag && p < tag; p++) {
            h = (h ^ (uint8_t)*p) * 0x01000193;
        }
        ok = tag && h == parse_num(tag + 6, 16) && find(rd, "MINIMU-INITRD v1") == rd;
        puts_("initrd: ");
        putx(img);
        puts_(", ");
        putu(size);
        puts_(" bytes, fnv1a ");
        putx(h);
        puts_("\n");
    }
    check(ok, "initrd: placed page-aligned in RAM, contents intact");
}

/*
 * The MP table, found the way Linux's mpparse.c finds it: "_MP_" on a 16-byte boundary in
 * the last KiB of base memory or in the BIOS area, length 1 paragraph, bytes summing to 0;
 * then the "PCMP" configuration table it points at, its checksum, its entries.
 */
static uint8_t sum8(const uint8_t *p, uint64_t n)
{
    uint8_t s = 0;
    while (n--) {
        s = (uint8_t)(s + *p++);
    }
    return s;
}
static const uint8_t *mp_scan(uint64_t start, uint64_t len)
{
    for (uint64_t a = start; a + 16 <= start + len; a += 16) {
        const uint8_t *p = (const uint8_t *)a;
        if (rd32(p) == 0x5f504d5f && p[8] == 1 && sum8(p, 16) == 0) { /* "_MP_" */
            return p;
        }
    }
    return 0;
}
static void put_hex(uint32_t v)
{
    char b[9];
    int i = 8;
    b[i] = 0;
    do {
        b[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    puts_("0x");
    puts_(b + i);
}
static void check_mptable(void)
{
    const uint8_t *fps = mp_scan(0x9fc00, 0x400);
    if (!fps) {
        fps = mp_scan(0xf0000, 0x10000);
    }
    const uint8_t *mpc = fps ? (const uint8_t *)(uint64_t)rd32(fps + 4) : 0;
    int ok = fps && mpc && rd32(mpc) == 0x504d4350; /* "PCMP" */
    uint16_t len = ok ? rd16(mpc + 4) : 0;
    ok = ok && len >= 44 && sum8(mpc, len) == 0;
    check(ok, "mptable: _MP_ floating pointer and PCMP table found, checksums valid");
    if (!ok) {
        return;
    }
    puts_("mptable: _MP_ at ");
    put_hex((uint32_t)(uint64_t)fps);
    puts_(", PCMP at ");
    put_hex((uint32_t)(uint64_t)mpc);
    puts_(", ");
    putu(len);
    puts_(" bytes, ");
    putu(rd16(mpc + 34));
    puts_(" entries\n");
    int cpus = 0, ioapics = 0, bsp_id = -1, irq0_pin = -1, ioapic_id = -1, bad = 0;
    uint32_t ioapic = 0;
    const uint8_t *e = mpc + 44, *end = mpc + len;
    /* Walked by the table's length, as Linux does (QEMU's table leaves the entry count 0). */
    while (e < end) {
        switch (e[0]) {
        case 0: /* processor */
            if (e[3] & 1) {
                cpus++;
            }
            if (e[3] & 2) {
                bsp_id = e[1];
            }
            e += 20;
            break;
        case 2: /* IOAPIC */
            ioapics++;
            ioapic_id = e[1];
            ioapic = rd32(e + 4);
            e += 8;
            break;
        case 3: /* I/O interrupt: ISA IRQ 0 from bus 0 (the only bus) */
            if (e[1] == 0 && e[5] == 0 && e[6] == ioapic_id) {
                irq0_pin = e[7];
            }
            e += 8;
            break;
        case 1:
        case 4: e += 8; break;
        default:
            bad = 1;
            e = end;
            break;
        }
    }
    puts_("mptable: ");
    putu((uint64_t)cpus);
    puts_(cpus == 1 ? " cpu, ioapic " : " cpus, ioapic ");
    put_hex(ioapic);
    puts_(", ISA IRQ 0 -> pin ");
    putu((uint64_t)irq0_pin);
    puts_("\n");
    check(!bad && e == end && ioapics == 1 && ioapic == IOAPIC,
          "mptable: entries fill the table, one IOAPIC at 0xfec00000");
    /* The BSP entry is this CPU; the CPU count is what KVM reports in CPUID.1:EBX[23:16]. */
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    check(bsp_id == (int)(mmio_r(LAPIC + 0x20) >> 24) && (on_qemu || cpus == (int)(b >> 16 & 0xff)),
          "mptable: the BSP's APIC ID and the CPU count match the vCPUs");
    /* minimu keeps KVM's default GSI routing (IRQ 0 on pin 0); QEMU's override puts it on 2. */
    check(irq0_pin == 0 || (on_qemu && irq0_pin == 2),
          "mptable: ISA IRQ 0 on the IOAPIC pin the PIT uses");
}

static void check_pit(void)
{
    /* KVM's default routing puts the PIT on pin 0 (minimu); QEMU routes ISA IRQ 0 to pin 2. */
    ioapic_route(0, VEC_PIT, 0);
    ioapic_route(2, VEC_PIT, 0);
    outb(0x43, 0x34); /* channel 0, lo/hi, rate generator */
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    uint64_t t0 = rdtsc();
    int ok = wait_for(&pit_ticks, 20);
    ioapic_route(0, VEC_PIT, 1);
    ioapic_route(2, VEC_PIT, 1);
    puts_("pit: ");
    putu(pit_ticks);
    puts_(" ticks at 1 kHz through IOAPIC pin 0 in ");
    putu((rdtsc() - t0) >> 20);
    puts_(" Mcycles\n");
    check(ok, "pit: timer interrupts through the in-kernel PIT and IOAPIC");
}

static void lapic_timer_start(void)
{
    mmio_w(LAPIC + 0x3e0, 0x3);                  /* divide by 16 */
    mmio_w(LAPIC + 0x320, VEC_LAPIC | 1u << 17); /* periodic */
    mmio_w(LAPIC + 0x380, 200000);
}

static void lapic_timer_stop(void)
{
    mmio_w(LAPIC + 0x380, 0);
    mmio_w(LAPIC + 0x320, 1 << 16);
}

static void check_lapic_timer(void)
{
    lapic_timer_start();
    int ok = wait_for(&lapic_ticks[0], 10);
    lapic_timer_stop();
    puts_("lapic: ");
    putu(lapic_ticks[0]);
    puts_(" periodic timer interrupts\n");
    check(ok, "lapic: periodic timer interrupts");
}

static void check_doorbell(void)
{
    const uint64_t rounds = 200;
    ioapic_route(DOOR_GSI, VEC_DOOR, 0);
    uint64_t t0 = rdtsc();
    int ok = 1;
    for (uint64_t i = 0; i < rounds && ok; i++) {
        outl(DOORBELL, (uint32_t)i);
        ok = wait_for(&door_irqs, i + 1);
    }
    uint64_t dt = rdtsc() - t0;
    puts_("doorbell: ");
    putu(door_irqs);
    puts_(" of ");
    putu(rounds);
    puts_(" rings answered, ");
    putu(dt / rounds);
    puts_(" cycles per round trip\n");
    check(ok && door_irqs == rounds, "doorbell: ioeventfd -> IOThread -> irqfd interrupt");
}

static void check_smp(void)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    uint8_t *t = (uint8_t *)TRAMPOLINE;
    for (char *p = ap_tramp_start; p < ap_tramp_end; p++) {
        *t++ = (uint8_t)*p;
    }
    uint8_t *g = (uint8_t *)TRAMPOLINE + (ap_tramp_gdtr - ap_tramp_start);
    g[0] = (uint8_t)(sizeof(gdt) - 1);
    g[1] = (uint8_t)((sizeof(gdt) - 1) >> 8);
    for (int i = 0; i < 4; i++) {
        g[2 + i] = (uint8_t)((uint64_t)gdt >> 8 * i);
        ((uint8_t *)TRAMPOLINE)[(ap_tramp_cr3 - ap_tramp_start) + i] = (uint8_t)(cr3 >> 8 * i);
    }
    ap_stack_top = (uint64_t)(ap_stack + sizeof(ap_stack));

    mmio_w(LAPIC + 0x310, 1u << 24);
    mmio_w(LAPIC + 0x300, 0x4500); /* INIT */
    mmio_w(LAPIC + 0x310, 1u << 24);
    mmio_w(LAPIC + 0x300, 0x4600 | (TRAMPOLINE >> 12)); /* SIPI */
    int ok = wait_for(&ap_online, 1);
    if (!ok) {
        mmio_w(LAPIC + 0x310, 1u << 24);
        mmio_w(LAPIC + 0x300, 0x4600 | (TRAMPOLINE >> 12));
        ok = wait_for(&ap_online, 1);
    }
    check(ok, "smp: vCPU 1 started by INIT/SIPI through the real-mode trampoline");
    ok = ok && wait_for(&ap_online, 2);
    puts_("smp: vCPU 1 took ");
    putu(lapic_ticks[1]);
    puts_(" LAPIC timer interrupts\n");
    check(ok, "smp: vCPU 1 runs its own LAPIC timer in parallel");
}

void ap_main(void)
{
    load_cpu_tables(1);
    lapic_enable();
    ap_online = 1;
    lapic_timer_start();
    __asm__ volatile("sti");
    while (lapic_ticks[1] < 10) {
        __asm__ volatile("pause");
    }
    __asm__ volatile("cli");
    lapic_timer_stop();
    ap_online = 2;
}

/* The same function runs at CPL0 (emulated on kvm_pvm) and CPL3 (native). */
static uint64_t compute(uint64_t n)
{
    uint64_t x = 88172645463325252ULL, s = 0;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s += x ^ i;
    }
    return s;
}

static void check_user(void)
{
    uint64_t cr3, *pml4, *pdpt, *pd;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    pml4 = (uint64_t *)(cr3 & ~0xfffULL);
    pdpt = (uint64_t *)(pml4[0] & 0x000ffffffffff000ULL);
    pd = (uint64_t *)(pdpt[0] & 0x000ffffffffff000ULL);
    pml4[0] |= 4;
    pdpt[0] |= 4;
    pd[0] |= 4; /* the kernel's first 2 MiB: user-accessible, for the tutorial */
    __asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");

    uint64_t small = 300;
    uint64_t k = compute(small);
    uint64_t u = run_user(compute, small, user_stack + sizeof(user_stack));
    check(k == u, "cpl3: user-mode result equals the kernel's");
    uint64_t n = 50000000, t0 = rdtsc();
    u = run_user(compute, n, user_stack + sizeof(user_stack));
    uint64_t dt = rdtsc() - t0;
    puts_("cpl3: ");
    putu(n);
    puts_(" iterations in ");
    putu(dt >> 20);
    puts_(" Mcycles (");
    putu(dt * 10 / n);
    puts_(" cycles/10 iterations), result ");
    putx(u);
    puts_("\n");
    check(u != 0 && dt / n < 1000, "cpl3: compute loop runs at native speed");
}

int kmain(const uint8_t *bp)
{
    outb(COM1 + 1, 0);    /* no UART interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 1);    /* 115200 */
    outb(COM1 + 1, 0);
    outb(COM1 + 3, 0x03); /* 8N1 */
    puts_("tutorial: x86-64 kernel entered at startup_64 by the boot protocol\n");

    check_boot_params(bp);

    /* Error paths of minimu, chosen on the command line by scripts/kvm-tutorial.sh. */
    const char *cmd = (const char *)(uint64_t)rd32(bp + 0x228);
    if (find(cmd, "tutorial.crash")) {
        static const struct __attribute__((packed)) {
            uint16_t limit;
            uint64_t base;
        } null_idt = {0, 0};
        puts_("tutorial: triple fault on purpose (ud2 with an empty IDT)\n");
        __asm__ volatile("lidt %0; ud2" ::"m"(null_idt));
    }
    if (find(cmd, "tutorial.reboot")) {
        /* RAM survives a reset (as on QEMU): count boots at 0x600, below everything minimu loads. */
        volatile uint64_t *boots;
        __asm__("" : "=r"(boots) : "0"(0x600UL)); /* not a "null + 0x600" to the compiler */
        if (boots[0] != 0x544f4f424552554dULL) {
            boots[0] = 0x544f4f424552554dULL;
            boots[1] = 0;
        }
        uint64_t n = ++boots[1];
        puts_("tutorial: boot ");
        putu(n);
        puts_("\n");
        if (n == 1) {
            puts_("tutorial: reset through the keyboard controller (0x64 <- 0xfe)\n");
            outb(0x64, 0xfe);
        } else if (n == 2) {
            puts_("tutorial: reset through the reset control register (0xcf9 <- 0x06)\n");
            outb(0xcf9, 0x06);
        } else {
            puts_("tutorial: rebooted twice, powering off\n");
            return 0;
        }
        for (;;) {
            __asm__ volatile("cli; hlt");
        }
    }
    if (find(cmd, "tutorial.rdtscp")) {
        uint32_t lo, hi, aux;
        puts_("tutorial: rdtscp at CPL0 (kvm_pvm cannot emulate it)\n");
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
        puts_("tutorial: rdtscp ran\n");
        return 0;
    }

    check_mptable();
    if (find(cmd, "tutorial.mptable")) {
        return failures; /* the MP table alone: also for -smp 1, where check_smp cannot run */
    }

    set_tss(0);
    set_tss(1);
    __asm__ volatile("lgdt %0" ::"m"(gdt_ptr));
    for (int v = 0; v < 32; v++) {
        set_gate(v, 0);
    }
    set_gate(VEC_PIT, 0);
    set_gate(VEC_DOOR, 0);
    set_gate(VEC_LAPIC, 0);
    set_gate(0xff, 0);
    load_cpu_tables(0);
    outb(0x21, 0xff); /* mask both PICs: interrupts come through the IOAPIC */
    outb(0xa1, 0xff);
    lapic_enable();

    check_pit();
    check_lapic_timer();
    if (on_qemu) {
        puts_("doorbell: skipped (tutorial.qemu: no minimu doorbell device)\n");
    } else {
        check_doorbell();
    }
    check_smp();
    check_user();

    if (failures) {
        puts_("tutorial: ");
        putu((uint64_t)failures);
        puts_(" checks FAILED\n");
    } else {
        puts_("tutorial: all checks passed\n");
    }
    return failures;
}
