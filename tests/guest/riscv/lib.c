/* lib.c - see lib.h. */
#include <stdarg.h>

#include "lib.h"

trap_hook_t m_hook, s_hook;
static int golden_failures;

void putch(char c)
{
    volatile uint8_t *u = (volatile uint8_t *)UART_BASE;
    while (!(u[5] & 0x20)) {
    }
    u[0] = (uint8_t)c;
}

void puts_(const char *s)
{
    while (*s) {
        putch(*s++);
    }
}

static void put_num(uint64_t v, unsigned base, int width, int neg)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width) {
        buf[n++] = '0';
    }
    if (neg) {
        putch('-');
    }
    while (n) {
        putch(buf[--n]);
    }
}

/* %s %c %d %u %x with optional l/ll and a zero-padded width (%016lx). */
void printf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putch(*fmt);
            continue;
        }
        fmt++;
        int width = 0, lng = 0;
        if (*fmt == '0') {
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 's': puts_(va_arg(ap, const char *)); break;
        case 'c': putch((char)va_arg(ap, int)); break;
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(v < 0 ? (uint64_t)-v : (uint64_t)v, 10, width, v < 0);
            break;
        }
        case 'u': put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, 0); break;
        case 'x': put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, 0); break;
        default: putch(*fmt); break;
        }
    }
    va_end(ap);
}

void exit(int code)
{
    if (golden_failures && !code) {
        code = 200;
    }
    printf_(code ? "FAIL (%d)\n" : "PASS\n", code);
    *(volatile uint32_t *)FINISHER_BASE = code ? (((uint32_t)code << 16) | 0x3333) : 0x5555;
    for (;;) {
    }
}

void fail(const char *file, int line, const char *what, uint64_t a, uint64_t b)
{
    printf_("%s:%d: check failed: %s (0x%lx vs 0x%lx)\n", file, line, what, a, b);
    exit(line);
}

void golden(const char *name, uint64_t got, uint64_t want)
{
    if (got != want) {
        printf_("golden %s 0x%016lx%s\n", name, got, want ? " MISMATCH" : "");
        golden_failures++;
    }
}

void m_trap(struct frame *f)
{
    if ((f->cause == 8 || f->cause == 9 || f->cause == 11) && f->x[17] == 93) {
        /* mode_exit(): back to M at enter_mode's caller. */
        f->epc = (uint64_t)mode_return;
        f->status |= MSTATUS_MPP;
        return;
    }
    if (m_hook && m_hook(f)) {
        return;
    }
    printf_("unexpected M trap: mcause 0x%lx mepc 0x%lx mtval 0x%lx\n", f->cause, f->epc, f->tval);
    exit(100);
}

void s_trap(struct frame *f)
{
    if (s_hook && s_hook(f)) {
        return;
    }
    if (f->cause == 8 && f->x[17] == 93) {
        mode_exit(); /* forward U's exit request to M */
    }
    printf_("unexpected S trap: scause 0x%lx sepc 0x%lx stval 0x%lx\n", f->cause, f->epc, f->tval);
    exit(101);
}
