/*
 * test-dtc.h - the fdt tests' oracle: the host's dtc decompiles a blob.
 * Include after <cmocka.h>.  Native only (popen; the fdt tests are not built
 * for wasm).
 */
#ifndef MINIMU_TEST_DTC_H
#define MINIMU_TEST_DTC_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline bool have_dtc(void)
{
    return system("dtc --version >/dev/null 2>&1") == 0;
}

/* Decompile @blob with dtc into a malloc'd string; fails the test unless dtc accepts it. */
static inline char *decompile(const void *blob, size_t size)
{
    char in[] = "/tmp/minimu-test-dtc-XXXXXX";
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, blob, size), (ssize_t)size);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts %s 2>/dev/null", in);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0, n;
    char *out = malloc(cap);
    assert_non_null(out);
    while ((n = fread(out + len, 1, cap - 1 - len, p)) > 0) {
        len += n;
    }
    out[len] = '\0';
    assert_int_equal(pclose(p), 0); /* dtc accepted the blob */
    unlink(in);
    return out;
}

#endif
