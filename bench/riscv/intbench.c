/*
 * intbench.c - the integer workload of the RISC-V benchmark
 * (scripts/bench-riscv.sh): sorting, hashing and CRC loops, the kind of code
 * an interpreter spends its life in.  Bare metal on the virt board, built
 * with the guest-test runtime (tests/guest/riscv); prints a checksum (so the
 * work cannot be optimised away and both emulators can be compared) and the
 * instructions it retired (minstret), then exits through the finisher.
 */
#include "lib.h"

#define N 16384

static uint32_t data[N];
static uint32_t tmp[N];
static uint8_t buf[65536];

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Bottom-up merge sort: loads, stores, compares and branches. */
static void sort(uint32_t *a, uint32_t *t, int n)
{
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                t[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            }
            while (i < mid) {
                t[k++] = a[i++];
            }
            while (j < hi) {
                t[k++] = a[j++];
            }
        }
        for (int i = 0; i < n; i++) {
            a[i] = t[i];
        }
    }
}

/* FNV-1a over bytes: a multiply per byte. */
static uint64_t fnv1a(const uint8_t *p, int n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

/* Bitwise CRC-32: shifts, xors and short data-dependent branches. */
static uint32_t crc32(const uint8_t *p, int n)
{
    uint32_t c = 0xffffffffu;
    for (int i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) {
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
        }
    }
    return ~c;
}

int main(void)
{
    uint32_t seed = 2463534242u;
    uint64_t sum = 0;
    uint64_t start = csr_read(minstret);

    for (int round = 0; round < 30; round++) {
        for (int i = 0; i < N; i++) {
            data[i] = xorshift(&seed);
        }
        sort(data, tmp, N);
        for (int i = 1; i < N; i++) {
            if (data[i - 1] > data[i]) {
                printf_("intbench: sort is wrong at %d\n", i);
                exit(1);
            }
        }
        sum += data[N / 2];
        for (int i = 0; i < (int)sizeof(buf); i++) {
            buf[i] = (uint8_t)xorshift(&seed);
        }
        sum ^= fnv1a(buf, sizeof(buf));
        sum += crc32(buf, sizeof(buf));
    }
    uint64_t insns = csr_read(minstret) - start;
    printf_("intbench: checksum %lx instret %lu\n", sum, insns);
    return 0;
}
