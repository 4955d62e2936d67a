/*
 * bench-int.c - the integer workload of scripts/bench-web.sh: a bare-metal
 * RISC-V guest (built with tests/guest/riscv's crt.S, lib.c and link.ld) that
 * runs integer kernels typical of an interpreter's life (hashing, a sieve,
 * sorting, a small bytecode-like switch loop), then prints
 *   BENCH insns=<retired instructions> ticks=<mtime ticks at 10 MHz> sum=<checksum>
 * and exits through the test finisher.  Native and wasm runs print the same sum.
 */
#include "lib.h"

#define N_SORT  (1 << 14)
#define N_SIEVE (1 << 20)
#define ROUNDS  6

static uint32_t arr[N_SORT];
static uint8_t sieve[N_SIEVE];

static uint64_t mtime(void)
{
    return *(volatile uint64_t *)CLINT_MTIME;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static uint32_t crc32(const uint8_t *p, uint32_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    return ~crc;
}

static void shell_sort(uint32_t *a, int n)
{
    for (int gap = n / 2; gap > 0; gap /= 2) {
        for (int i = gap; i < n; i++) {
            uint32_t v = a[i];
            int j = i;
            while (j >= gap && a[j - gap] > v) {
                a[j] = a[j - gap];
                j -= gap;
            }
            a[j] = v;
        }
    }
}

static uint32_t count_primes(void)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < N_SIEVE; i++) {
        sieve[i] = 1;
    }
    for (uint32_t i = 2; i < N_SIEVE; i++) {
        if (sieve[i]) {
            c++;
            for (uint32_t j = i * 2; j < N_SIEVE; j += i) {
                sieve[j] = 0;
            }
        }
    }
    return c;
}

/* A tiny stack machine: the dispatch pattern of every interpreter. */
static uint64_t vm(uint32_t steps)
{
    static const uint8_t prog[] = {0, 1, 2, 3, 1, 4, 2, 5, 0, 3, 4, 5, 1, 2, 0, 6};
    uint64_t acc = 1, r = 7;
    for (uint32_t pc = 0; steps--; pc = (pc + 1) & 15) {
        switch (prog[pc]) {
        case 0: acc += r; break;
        case 1: acc ^= acc << 7; break;
        case 2: r = r * 0x9e3779b97f4a7c15ull + acc; break;
        case 3: acc = (acc >> 3) | (acc << 61); break;
        case 4: r -= acc & 0xff; break;
        case 5: acc = acc * 3 + 1; break;
        default: acc ^= r; break;
        }
    }
    return acc ^ r;
}

int main(void)
{
    uint64_t t0 = mtime();
    uint64_t i0 = csr_read(minstret);
    uint64_t sum = 0;
    uint32_t seed = 2463534242u;
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < N_SORT; i++) {
            arr[i] = xorshift(&seed);
        }
        shell_sort(arr, N_SORT);
        for (int i = 1; i < N_SORT; i++) {
            CHECK(arr[i - 1] <= arr[i]);
        }
        sum += crc32((const uint8_t *)arr, sizeof(arr), (uint32_t)sum);
        sum += count_primes();
        sum += vm(2000000);
    }
    uint64_t insns = csr_read(minstret) - i0;
    uint64_t ticks = mtime() - t0;
    printf_("BENCH insns=%lu ticks=%lu sum=%lx\n", insns, ticks, sum);
    exit(0);
}
