/*
 * fdt.c - flattened device tree writer; see fdt.h.
 *
 * Blob layout (Devicetree Specification, "Flattened Devicetree Format"):
 * 40-byte header, memory reservation block (8-aligned), structure block
 * (tokens, 4-aligned), strings block.  The structure and strings blocks are
 * built as the board calls in; fdt_finish() only concatenates.
 */
#include "hw/fdt.h"

#include "util/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_END        9

#define FDT_HEADER_SIZE       40
#define FDT_VERSION           17
#define FDT_LAST_COMP_VERSION 16

typedef struct FdtBuf {
    uint8_t *data;
    size_t len, cap;
} FdtBuf;

struct Fdt {
    FdtBuf structure;
    FdtBuf strings;
    FdtBuf rsvmap;         /* (address, size) pairs, big-endian, without the terminator */
    uint32_t *string_offs; /* offsets of the distinct names in @strings */
    size_t nr_strings, cap_strings;
    int depth;
    bool root_done; /* the root node was closed: nothing may follow */
    bool started;   /* the root node was opened */
    uint32_t next_phandle;
    uint32_t boot_cpuid;
    int error;            /* 0, -EINVAL or -ENOMEM: sticky */
    const char *error_at; /* what went wrong first, for the report */
};

static void fdt_fail(Fdt *f, int err, const char *what)
{
    if (!f->error) {
        f->error = err;
        f->error_at = what;
    }
}

static bool buf_reserve(Fdt *f, FdtBuf *b, size_t more)
{
    if (b->len + more <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) {
        cap *= 2;
    }
    uint8_t *data = realloc(b->data, cap);
    if (!data) {
        fdt_fail(f, -ENOMEM, "out of memory");
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

static void buf_put(Fdt *f, FdtBuf *b, const void *data, size_t len)
{
    if (len && buf_reserve(f, b, len)) {
        memcpy(b->data + b->len, data, len);
        b->len += len;
    }
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void buf_put_u32(Fdt *f, FdtBuf *b, uint32_t v)
{
    uint8_t be[4];
    put_be32(be, v);
    buf_put(f, b, be, 4);
}

/* Zero-pad the structure block to the next 4-byte boundary. */
static void struct_align(Fdt *f)
{
    static const uint8_t zeros[4];
    buf_put(f, &f->structure, zeros, (4 - f->structure.len % 4) % 4);
}

Fdt *fdt_new(void)
{
    Fdt *f = calloc(1, sizeof(*f));
    if (f) {
        f->next_phandle = 1;
    }
    return f;
}

void fdt_free(Fdt *f)
{
    if (!f) {
        return;
    }
    free(f->structure.data);
    free(f->strings.data);
    free(f->rsvmap.data);
    free(f->string_offs);
    free(f);
}

void fdt_add_reservation(Fdt *f, uint64_t addr, uint64_t size)
{
    if (f->error) {
        return;
    }
    if (f->started) {
        fdt_fail(f, -EINVAL, "memory reservation after the first node");
        return;
    }
    buf_put_u32(f, &f->rsvmap, (uint32_t)(addr >> 32));
    buf_put_u32(f, &f->rsvmap, (uint32_t)addr);
    buf_put_u32(f, &f->rsvmap, (uint32_t)(size >> 32));
    buf_put_u32(f, &f->rsvmap, (uint32_t)size);
}

void fdt_set_boot_cpuid(Fdt *f, uint32_t cpuid)
{
    f->boot_cpuid = cpuid;
}

void fdt_begin_node(Fdt *f, const char *name)
{
    if (f->error) {
        return;
    }
    if (f->root_done || (f->depth == 0 && name[0] != '\0') || (f->depth > 0 && name[0] == '\0')) {
        fdt_fail(f, -EINVAL, "the root node must be first, alone, and named \"\"");
        return;
    }
    f->started = true;
    buf_put_u32(f, &f->structure, FDT_BEGIN_NODE);
    buf_put(f, &f->structure, name, strlen(name) + 1);
    struct_align(f);
    f->depth++;
}

void fdt_end_node(Fdt *f)
{
    if (f->error) {
        return;
    }
    if (f->depth == 0) {
        fdt_fail(f, -EINVAL, "fdt_end_node() without an open node");
        return;
    }
    buf_put_u32(f, &f->structure, FDT_END_NODE);
    if (--f->depth == 0) {
        f->root_done = true;
    }
}

/* Offset of @name in the strings block, adding it the first time. */
static uint32_t string_offset(Fdt *f, const char *name)
{
    for (size_t i = 0; i < f->nr_strings; i++) {
        if (strcmp((const char *)f->strings.data + f->string_offs[i], name) == 0) {
            return f->string_offs[i];
        }
    }
    if (f->nr_strings == f->cap_strings) {
        size_t cap = f->cap_strings ? f->cap_strings * 2 : 32;
        uint32_t *offs = realloc(f->string_offs, cap * sizeof(*offs));
        if (!offs) {
            fdt_fail(f, -ENOMEM, "out of memory");
            return 0;
        }
        f->string_offs = offs;
        f->cap_strings = cap;
    }
    uint32_t off = (uint32_t)f->strings.len;
    buf_put(f, &f->strings, name, strlen(name) + 1);
    f->string_offs[f->nr_strings++] = off;
    return off;
}

void fdt_prop(Fdt *f, const char *name, const void *data, size_t len)
{
    if (f->error) {
        return;
    }
    if (f->depth == 0) {
        fdt_fail(f, -EINVAL, "a property outside any node");
        return;
    }
    if (len > UINT32_MAX / 2) {
        fdt_fail(f, -EINVAL, "a property value too large");
        return;
    }
    uint32_t nameoff = string_offset(f, name);
    buf_put_u32(f, &f->structure, FDT_PROP);
    buf_put_u32(f, &f->structure, (uint32_t)len);
    buf_put_u32(f, &f->structure, nameoff);
    buf_put(f, &f->structure, data, len);
    struct_align(f);
}

void fdt_prop_empty(Fdt *f, const char *name)
{
    fdt_prop(f, name, NULL, 0);
}

void fdt_prop_u32(Fdt *f, const char *name, uint32_t val)
{
    fdt_prop_cells(f, name, &val, 1);
}

void fdt_prop_u64(Fdt *f, const char *name, uint64_t val)
{
    uint32_t cells[2] = {(uint32_t)(val >> 32), (uint32_t)val};
    fdt_prop_cells(f, name, cells, 2);
}

void fdt_prop_cells(Fdt *f, const char *name, const uint32_t *cells, size_t n)
{
    uint8_t small[64];
    uint8_t *be = n * 4 <= sizeof(small) ? small : malloc(n * 4);
    if (!be) {
        fdt_fail(f, -ENOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        put_be32(be + 4 * i, cells[i]);
    }
    fdt_prop(f, name, be, n * 4);
    if (be != small) {
        free(be);
    }
}

void fdt_prop_string(Fdt *f, const char *name, const char *str)
{
    fdt_prop(f, name, str, strlen(str) + 1);
}

void fdt_prop_string_list(Fdt *f, const char *name, const char *const *strs, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += strlen(strs[i]) + 1;
    }
    char *val = malloc(len ? len : 1);
    if (!val) {
        fdt_fail(f, -ENOMEM, "out of memory");
        return;
    }
    char *p = val;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(strs[i]) + 1;
        memcpy(p, strs[i], l);
        p += l;
    }
    fdt_prop(f, name, val, len);
    free(val);
}

uint32_t fdt_alloc_phandle(Fdt *f)
{
    return f->next_phandle++;
}

void fdt_prop_phandle(Fdt *f, uint32_t phandle)
{
    fdt_prop_u32(f, "phandle", phandle);
}

int fdt_finish(Fdt *f, void **blob, size_t *size)
{
    *blob = NULL;
    *size = 0;
    if (!f->error && (!f->started || !f->root_done)) {
        fdt_fail(f, -EINVAL, "unclosed nodes (or no root node)");
    }
    if (f->error) {
        error_report("device tree: %s", f->error_at);
        return f->error;
    }

    size_t off_rsvmap = FDT_HEADER_SIZE; /* already 8-aligned */
    size_t rsv_len = f->rsvmap.len + 16; /* plus the (0, 0) terminator */
    size_t off_struct = off_rsvmap + rsv_len;
    size_t struct_len = f->structure.len + 4; /* plus FDT_END */
    size_t off_strings = off_struct + struct_len;
    size_t total = off_strings + f->strings.len;
    if (total > UINT32_MAX) {
        error_report("device tree: larger than 4 GiB");
        return -EINVAL;
    }

    uint8_t *p = calloc(1, total);
    if (!p) {
        error_report("device tree: out of memory");
        return -ENOMEM;
    }
    const uint32_t header[10] = {
        FDT_MAGIC,
        (uint32_t)total,
        (uint32_t)off_struct,
        (uint32_t)off_strings,
        (uint32_t)off_rsvmap,
        FDT_VERSION,
        FDT_LAST_COMP_VERSION,
        f->boot_cpuid,
        (uint32_t)f->strings.len,
        (uint32_t)struct_len,
    };
    for (int i = 0; i < 10; i++) {
        put_be32(p + 4 * i, header[i]);
    }
    if (f->rsvmap.len) {
        memcpy(p + off_rsvmap, f->rsvmap.data, f->rsvmap.len);
    }
    memcpy(p + off_struct, f->structure.data, f->structure.len);
    put_be32(p + off_struct + f->structure.len, FDT_END);
    if (f->strings.len) {
        memcpy(p + off_strings, f->strings.data, f->strings.len);
    }
    *blob = p;
    *size = total;
    return 0;
}
