/*
 * fp.c - F and D: every compute instruction in every static rounding mode and
 * in the dynamic mode (frm = 0..4), on a grid of special values (zeros,
 * subnormals, extremes, infinities, quiet and signalling NaNs, values that
 * are not properly NaN-boxed for .s), folding results and fflags into one
 * checksum per instruction, checked against goldens recorded on QEMU.  Plus
 * fcsr/frm/fflags, mstatus.FS, FLW NaN-boxing and an invalid dynamic rm.
 */
#include "lib.h"

static const uint64_t dvals[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, 0x3ff0000000000000ULL, 0xbff0000000000000ULL,
    0x3ff8000000000000ULL, 0x3fb999999999999aULL, 0x7fe1ccf385ebc8a0ULL, 0xffefffffffffffffULL,
    0x0000000000000001ULL, 0x0010000000000000ULL, 0x7ff0000000000000ULL, 0xfff0000000000000ULL,
    0x7ff8000000000000ULL, 0x7ff0000000000001ULL, 0x3fd5555555555555ULL, 0x43e0000000000000ULL,
    0xc3e0000000000000ULL, 0x41f0000000000000ULL, 0xbfe0000000000000ULL, 0x4004000000000000ULL,
    0xc1e0000000200000ULL, 0x000fffffffffffffULL,
    /* single precision, NaN-boxed */
    0xffffffff00000000ULL, 0xffffffff80000000ULL, 0xffffffff3f800000ULL, 0xffffffffbfc00000ULL,
    0xffffffff3dcccccdULL, 0xffffffff7f7fffffULL, 0xffffffff00000001ULL, 0xffffffff00800000ULL,
    0xffffffff7f800000ULL, 0xffffffffff800000ULL, 0xffffffff7fc00000ULL, 0xffffffff7f800001ULL,
    0xffffffff3eaaaaabULL, 0xffffffff5f000000ULL, 0xffffffffcf000000ULL, 0xffffffff4f800000ULL,
    0x000000003f800000ULL, /* not NaN-boxed */
};
#define NV (sizeof(dvals) / sizeof(dvals[0]))

static const uint64_t ivals[] = {
    0,
    1,
    (uint64_t)-1,
    2,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x7fffffffffffffffULL,
    0x8000000000000000ULL,
    0x123456789abcdef1ULL,
    0x00000000ffffff81ULL,
    16777217,
    9007199254740993ULL,
};
#define NI (sizeof(ivals) / sizeof(ivals[0]))

typedef struct {
    const char *text;
    uint64_t (*fn)(uint64_t, uint64_t, uint64_t);
    char kind;
    uint64_t golden;
} Op;

#define F(id, kind, text, golden)                                                     \
    static uint64_t fn_##id(uint64_t a, uint64_t b, uint64_t c)                       \
    {                                                                                 \
        uint64_t r;                                                                   \
        __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fmv.d.x ft2, %3\n" text \
                         : "=&r"(r)                                                   \
                         : "r"(a), "r"(b), "r"(c)                                     \
                         : "ft0", "ft1", "ft2", "ft3");                               \
        return r;                                                                     \
    }
#include "fp-list.h"
#undef F
#define F(id, kind, text, golden) {text, fn_##id, #kind[0], golden},
static const Op ops[] = {
#include "fp-list.h"
};

static uint64_t take_flags(void)
{
    uint64_t f;
    __asm__ volatile("csrrw %0, fflags, zero" : "=r"(f));
    return f;
}

static int is_dyn(const char *t)
{
    for (; *t; t++) {
        if (t[0] == 'd' && t[1] == 'y' && t[2] == 'n') {
            return 1;
        }
    }
    return 0;
}

static uint64_t run_op(const Op *op)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    int modes = is_dyn(op->text) ? 5 : 1;
    for (int m = 0; m < modes; m++) {
        csr_write(frm, m);
        if (op->kind == 'I') {
            for (unsigned i = 0; i < NI; i++) {
                h = mix(h, op->fn(ivals[i], 0, 0));
                h = mix(h, take_flags());
            }
            continue;
        }
        for (unsigned i = 0; i < NV; i++) {
            for (unsigned j = 0; j < NV; j++) {
                h = mix(h, op->fn(dvals[i], dvals[j], dvals[(i * 7 + j * 3) % NV]));
                h = mix(h, take_flags());
            }
        }
    }
    csr_write(frm, 0);
    return h;
}

static volatile uint64_t n_illegal;

static int m_ill(struct frame *f)
{
    if (f->cause != 2) {
        return 0;
    }
    n_illegal++;
    f->epc += 4;
    return 1;
}

int main(void)
{
    m_hook = m_ill;
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        golden(ops[k].text, run_op(&ops[k]), ops[k].golden);
    }

    /* fcsr = frm << 5 | fflags; fflags accrue. */
    csr_write(fcsr, 0xff);
    CHECK_EQ(csr_read(fcsr), 0xff);
    CHECK_EQ(csr_read(frm), 7);
    CHECK_EQ(csr_read(fflags), 0x1f);
    csr_write(fcsr, 0);
    volatile double one = 1.0, three = 3.0, zero = 0.0;
    volatile double q = one / three;
    (void)q;
    CHECK_EQ(csr_read(fflags), 1); /* NX */
    q = one / zero + one;
    CHECK_EQ(csr_read(fflags), 0x9); /* NX | DZ */

    /* FLW NaN-boxes. */
    static float fv = 1.0f;
    uint64_t bits;
    __asm__ volatile("flw ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(bits) : "r"(&fv) : "ft0");
    CHECK_EQ(bits, 0xffffffff3f800000ULL);

    /* An invalid frm makes dynamic-rm instructions illegal, not static ones. */
    csr_write(frm, 5);
    n_illegal = 0;
    __asm__ volatile(".option push\n.option norvc\n fadd.d ft0, ft1, ft2, dyn\n.option pop" ::
                         : "ft0");
    CHECK_EQ(n_illegal, 1);
    __asm__ volatile(".option push\n.option norvc\n fadd.d ft0, ft1, ft2, rne\n.option pop" ::
                         : "ft0");
    CHECK_EQ(n_illegal, 1);
    csr_write(frm, 0);

    /* FS: a write makes it Dirty (and SD); Off makes every FP instruction illegal. */
    csr_clear(mstatus, MSTATUS_FS);
    csr_set(mstatus, 1UL << 13); /* Initial */
    __asm__ volatile("fmv.d.x ft0, zero" ::: "ft0");
    CHECK_EQ(csr_read(mstatus) & MSTATUS_FS, MSTATUS_FS);
    CHECK(csr_read(mstatus) >> 63);
    csr_clear(mstatus, MSTATUS_FS);
    n_illegal = 0;
    __asm__ volatile(".option push\n.option norvc\n fmv.d.x ft0, zero\n fld ft0, 0(sp)\n"
                     " csrr t0, fflags\n fsd ft0, 0(%0)\n.option pop" ::"r"(&bits)
                     : "ft0", "t0", "memory");
    CHECK_EQ(n_illegal, 4);
    csr_set(mstatus, 1UL << 13);
    return 0;
}
