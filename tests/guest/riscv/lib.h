/*
 * lib.h - the tiny runtime of the RISC-V guest tests: UART output, exit
 * through the sifive_test finisher, CHECK macros, CSR access, trap hooks and
 * privilege-mode switching (crt.S).
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdint.h>

#define UART_BASE      0x10000000UL
#define FINISHER_BASE  0x100000UL
#define CLINT_BASE     0x2000000UL
#define CLINT_MSIP     (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME    (CLINT_BASE + 0xbff8)

struct frame {
    uint64_t x[32];
    uint64_t epc, cause, tval, status;
};

/* Return 1 if the trap was handled (the hook may change f->epc / registers). */
typedef int (*trap_hook_t)(struct frame *f);
extern trap_hook_t m_hook, s_hook;

void putch(char c);
void puts_(const char *s);
void printf_(const char *fmt, ...);
void exit(int code) __attribute__((noreturn));
void fail(const char *file, int line, const char *what, uint64_t a, uint64_t b)
    __attribute__((noreturn));

/* Run @fn in @mode (0 = U, 1 = S) on @stack until it calls mode_exit(). */
void enter_mode(int mode, void (*fn)(void), void *stack);
void mode_exit(void) __attribute__((noreturn));
extern char _user_stack_top[], _stack_top[];
extern void strap_entry(void);
extern void mtrap_entry(void);
extern void mode_return(void);

#define CHECK(c)                                \
    do {                                        \
        if (!(c)) {                             \
            fail(__FILE__, __LINE__, #c, 0, 0); \
        }                                       \
    } while (0)
#define CHECK_EQ(a, b)                                      \
    do {                                                    \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);    \
        if (a_ != b_) {                                     \
            fail(__FILE__, __LINE__, #a " == " #b, a_, b_); \
        }                                                   \
    } while (0)

#define STR_(x) #x
#define STR(x)  STR_(x)
#define csr_read(csr)                                                   \
    ({                                                                  \
        uint64_t v_;                                                    \
        __asm__ volatile("csrr %0, " STR(csr) : "=r"(v_) : : "memory"); \
        v_;                                                             \
    })
#define csr_write(csr, v) \
    __asm__ volatile("csrw " STR(csr) ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " STR(csr) ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) \
    __asm__ volatile("csrc " STR(csr) ", %0" : : "r"((uint64_t)(v)) : "memory")

#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_MIE  (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP  (1UL << 8)
#define MSTATUS_MPP  (3UL << 11)
#define MSTATUS_FS   (3UL << 13)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM  (1UL << 18)
#define MSTATUS_MXR  (1UL << 19)
#define MSTATUS_TVM  (1UL << 20)
#define MSTATUS_TW   (1UL << 21)
#define MSTATUS_TSR  (1UL << 22)

static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
    return h;
}

static inline uint64_t mmio_read64(uintptr_t a)
{
    return *(volatile uint64_t *)a;
}
static inline void mmio_write64(uintptr_t a, uint64_t v)
{
    *(volatile uint64_t *)a = v;
}
static inline void mmio_write32(uintptr_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

/* Compare a group checksum with its golden value (0: unknown, just print it). */
void golden(const char *name, uint64_t got, uint64_t want);

#endif
