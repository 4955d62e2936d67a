/*
 * fdt-edit.c - set /chosen properties in an existing flattened device tree;
 * see fdt_set_chosen() in fdt.h.
 *
 * The blob comes from a user's file, so nothing in it is trusted: the header
 * and every token are checked before use, with all offset arithmetic done in
 * 64 bits so no sum can wrap.  Rules from the Devicetree Specification
 * ("Flattened Devicetree (DTB) Format"):
 *  - header: big-endian magic 0xd00dfeed, totalsize, off_dt_struct,
 *    off_dt_strings, off_mem_rsvmap, version, last_comp_version,
 *    boot_cpuid_phys, size_dt_strings and (version 17) size_dt_struct;
 *  - the memory reservation block is 8-byte aligned, (address, size) pairs of
 *    64-bit values ending with a (0, 0) entry;
 *  - the structure block is 4-byte aligned; tokens are 32-bit: BEGIN_NODE
 *    (a NUL-terminated name, padded to 4), END_NODE, PROP (len, nameoff,
 *    then len bytes padded to 4), NOP, and a final END;
 *  - a property's nameoff points at a NUL-terminated name in the strings block.
 *
 * Two passes over the structure block: the first validates everything and
 * finds /chosen (or where to create it); the second copies the tokens into a
 * new blob, rewriting the properties being set.  The reservation map and the
 * strings block are copied whole, new names appended to the latter.
 */
#include "hw/fdt.h"

#include "util/error.h"
#include "util/bswap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

#define FDT_V16_HEADER_SIZE 36
#define FDT_V17_HEADER_SIZE 40
#define FDT_OUT_VERSION     17
#define FDT_OUT_LAST_COMP   16

/* The validated input, and what the first pass found in it. */
typedef struct FdtView {
    const uint8_t *base;
    uint32_t boot_cpuid;
    uint32_t rsv_off, rsv_len; /* the reservation map, its (0, 0) terminator included */
    const uint8_t *st;
    uint32_t st_size; /* the structure block */
    const uint8_t *strs;
    uint32_t strs_size; /* the strings block */
    bool has_chosen;
    uint32_t chosen_pos;  /* /chosen's BEGIN_NODE, when has_chosen */
    uint32_t root_insert; /* the root's first child or END_NODE: where a new /chosen goes */
    char err[160];
} FdtView;

typedef struct FdtToken {
    uint32_t tag;
    uint32_t next; /* offset of the following token */
    const char *name;
    size_t name_len; /* BEGIN_NODE: the node's name; PROP: the property's */
    const uint8_t *data;
    uint32_t len; /* PROP: the value */
} FdtToken;

/* Output being assembled; sizes stay below 4 GiB, the format's limit. */
typedef struct OutBuf {
    uint8_t *data;
    size_t len, cap;
    int error; /* 0, -ENOMEM or -EINVAL (too big): sticky */
} OutBuf;

static uint64_t align4(uint64_t v)
{
    return (v + 3) & ~(uint64_t)3;
}

static int bad(FdtView *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(FdtView *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err, sizeof(v->err), fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static void out_put(OutBuf *b, const void *data, size_t len)
{
    if (b->error || !len) {
        return;
    }
    if (len > UINT32_MAX - b->len) {
        b->error = -EINVAL;
        return;
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len) {
            cap = cap <= SIZE_MAX / 2 ? cap * 2 : b->len + len; /* 32-bit size_t */
        }
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->error = -ENOMEM;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void out_put32(OutBuf *b, uint32_t v)
{
    uint8_t be[4];
    stl_be_p(be, v);
    out_put(b, be, 4);
}

static void out_pad4(OutBuf *b)
{
    static const uint8_t zeros[3];
    out_put(b, zeros, (size_t)(align4(b->len) - b->len));
}

static int check_header(FdtView *v, const uint8_t *p, size_t size)
{
    if (size < 4 || ldl_be_p(p) != FDT_MAGIC) {
        return bad(v, "not a flattened device tree (bad magic)");
    }
    if (size < 28) {
        return bad(v, "truncated header (%zu bytes)", size);
    }
    uint32_t totalsize = ldl_be_p(p + 4), off_struct = ldl_be_p(p + 8),
             off_strings = ldl_be_p(p + 12);
    uint32_t off_rsv = ldl_be_p(p + 16), version = ldl_be_p(p + 20), last_comp = ldl_be_p(p + 24);
    if (version < 16) {
        return bad(v, "version %u is too old (16 or later is needed)", version);
    }
    if (last_comp > FDT_OUT_VERSION) {
        return bad(v, "version %u is not readable by a version-17 reader (last compatible %u)",
                   version, last_comp);
    }
    uint32_t hdr = version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE;
    if (totalsize < hdr) {
        return bad(v, "totalsize %u is smaller than the header", totalsize);
    }
    if (totalsize > size) {
        return bad(v, "truncated: the header says %u bytes, there are %zu", totalsize, size);
    }
    v->base = p;
    v->boot_cpuid = ldl_be_p(p + 28);
    uint32_t size_strings = ldl_be_p(p + 32);
    uint32_t size_struct = version >= 17 ? ldl_be_p(p + 36) : totalsize - off_struct;

    if (off_rsv % 8) {
        return bad(v, "memory reservation block offset %u is not 8-byte aligned", off_rsv);
    }
    if (off_rsv < hdr || off_rsv > totalsize) {
        return bad(v, "memory reservation block offset %u is outside the blob", off_rsv);
    }
    for (uint32_t e = off_rsv;; e += 16) {
        if (totalsize - e < 16) {
            return bad(v, "memory reservation block has no (0, 0) terminator");
        }
        bool end = true;
        for (int i = 0; i < 16; i++) {
            end &= p[e + i] == 0;
        }
        if (end) {
            v->rsv_off = off_rsv;
            v->rsv_len = e + 16 - off_rsv;
            break;
        }
    }

    if (off_struct % 4) {
        return bad(v, "structure block offset %u is not 4-byte aligned", off_struct);
    }
    if (off_struct < hdr || off_struct > totalsize ||
        (uint64_t)off_struct + size_struct > totalsize) {
        return bad(v, "structure block (offset %u, %u bytes) is outside the blob (%u bytes)",
                   off_struct, size_struct, totalsize);
    }
    if (off_strings < hdr || (uint64_t)off_strings + size_strings > totalsize) {
        return bad(v, "strings block (offset %u, %u bytes) is outside the blob (%u bytes)",
                   off_strings, size_strings, totalsize);
    }
    v->st = p + off_struct;
    v->st_size = size_struct;
    v->strs = p + off_strings;
    v->strs_size = size_strings;
    return 0;
}

/* Decode and bounds-check the token at @pos (<= st_size). */
static int read_token(FdtView *v, uint32_t pos, FdtToken *t)
{
    if (v->st_size - pos < 4) {
        return bad(v, "structure block ends without FDT_END");
    }
    memset(t, 0, sizeof(*t));
    t->tag = ldl_be_p(v->st + pos);
    uint64_t next = (uint64_t)pos + 4;
    switch (t->tag) {
    case FDT_BEGIN_NODE: {
        const uint8_t *name = v->st + pos + 4;
        const uint8_t *nul = memchr(name, 0, v->st_size - pos - 4);
        if (!nul) {
            return bad(v, "unterminated node name at structure offset %u", pos);
        }
        t->name = (const char *)name;
        t->name_len = (size_t)(nul - name);
        next = align4(next + t->name_len + 1);
        break;
    }
    case FDT_PROP: {
        if (v->st_size - pos < 12) {
            return bad(v, "truncated property at structure offset %u", pos);
        }
        t->len = ldl_be_p(v->st + pos + 4);
        uint32_t nameoff = ldl_be_p(v->st + pos + 8);
        t->data = v->st + pos + 12;
        next = align4(next + 8 + t->len);
        if (nameoff >= v->strs_size) {
            return bad(v, "property name offset %u is beyond the strings block (%u bytes)", nameoff,
                       v->strs_size);
        }
        const uint8_t *nul = memchr(v->strs + nameoff, 0, v->strs_size - nameoff);
        if (!nul) {
            return bad(v, "unterminated property name at strings offset %u", nameoff);
        }
        t->name = (const char *)v->strs + nameoff;
        t->name_len = (size_t)(nul - (v->strs + nameoff));
        break;
    }
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END: break;
    default: return bad(v, "unknown token 0x%x at structure offset %u", t->tag, pos);
    }
    if (next > v->st_size) {
        return bad(v, "token at structure offset %u runs past the structure block", pos);
    }
    t->next = (uint32_t)next;
    return 0;
}

/* libfdt's lookup of "/chosen": the first child named "chosen" or "chosen@<unit>". */
static bool is_chosen(const FdtToken *t)
{
    return t->name_len >= 6 && memcmp(t->name, "chosen", 6) == 0 &&
           (t->name_len == 6 || t->name[6] == '@');
}

/* The index in @props of the property named like @t, or -1. */
static long find_prop(const FdtToken *t, const FdtProp *props, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(props[i].name) == t->name_len && !memcmp(props[i].name, t->name, t->name_len)) {
            return (long)i;
        }
    }
    return -1;
}

/* Pass 1: validate the structure block; find /chosen and which of @props it has. */
static int walk(FdtView *v, const FdtProp *props, size_t n, bool *exists)
{
    uint32_t pos = 0, depth = 0;
    bool root_seen = false, insert_found = false, in_chosen = false;

    for (;;) {
        FdtToken t;
        if (read_token(v, pos, &t) < 0) {
            return -EINVAL;
        }
        switch (t.tag) {
        case FDT_BEGIN_NODE:
            if (root_seen && depth == 0) {
                return bad(v, "a second root node at structure offset %u", pos);
            }
            if (depth == 1 && !insert_found) {
                v->root_insert = pos;
                insert_found = true;
            }
            if (depth == 1 && !v->has_chosen && is_chosen(&t)) {
                v->has_chosen = in_chosen = true;
                v->chosen_pos = pos;
            }
            root_seen = true;
            depth++;
            break;
        case FDT_END_NODE:
            if (depth == 0) {
                return bad(v, "FDT_END_NODE outside any node at structure offset %u", pos);
            }
            if (depth == 1 && !insert_found) {
                v->root_insert = pos;
                insert_found = true;
            }
            if (depth == 2) {
                in_chosen = false;
            }
            depth--;
            break;
        case FDT_PROP:
            if (depth == 0) {
                return bad(v, "property outside any node at structure offset %u", pos);
            }
            if (in_chosen && depth == 2) {
                long i = find_prop(&t, props, n);
                if (i >= 0) {
                    exists[i] = true;
                }
            }
            break;
        case FDT_END:
            if (depth != 0) {
                return bad(v, "FDT_END inside a node at structure offset %u", pos);
            }
            if (!root_seen) {
                return bad(v, "no root node");
            }
            return 0;
        }
        pos = t.next;
    }
}

/* Offset of @name in the output strings block, appending it when it is not there yet. */
static uint32_t string_offset(OutBuf *strs, const char *name)
{
    size_t len = strlen(name) + 1;
    for (size_t i = 0; strs->len >= len && i <= strs->len - len; i++) {
        if (!memcmp(strs->data + i, name, len)) {
            return (uint32_t)i;
        }
    }
    uint32_t off = (uint32_t)strs->len;
    out_put(strs, name, len);
    return off;
}

static void emit_prop(OutBuf *st, OutBuf *strs, const FdtProp *p)
{
    if (p->len > UINT32_MAX) {
        st->error = -EINVAL;
        return;
    }
    out_put32(st, FDT_PROP);
    out_put32(st, (uint32_t)p->len);
    out_put32(st, string_offset(strs, p->name));
    out_put(st, p->data, p->len);
    out_pad4(st);
}

/* Pass 2: copy the structure block into @st with @props set in /chosen. */
static int rewrite(FdtView *v, const FdtProp *props, size_t n, const bool *exists, bool *done,
                   OutBuf *st, OutBuf *strs)
{
    uint32_t pos = 0, depth = 0;
    bool in_chosen = false;

    for (;;) {
        FdtToken t;
        if (read_token(v, pos, &t) < 0) { /* validated by walk(): cannot happen */
            return -EINVAL;
        }
        if (!v->has_chosen && n && pos == v->root_insert) {
            static const char chosen[8] = "chosen";
            out_put32(st, FDT_BEGIN_NODE);
            out_put(st, chosen, sizeof(chosen)); /* NUL and padding included */
            for (size_t i = 0; i < n; i++) {
                emit_prop(st, strs, &props[i]);
            }
            out_put32(st, FDT_END_NODE);
        }
        bool copy = true;
        switch (t.tag) {
        case FDT_BEGIN_NODE:
            depth++;
            if (v->has_chosen && pos == v->chosen_pos) {
                out_put(st, v->st + pos, t.next - pos);
                copy = false;
                in_chosen = true;
                for (size_t i = 0; i < n; i++) {
                    if (!exists[i]) {
                        emit_prop(st, strs, &props[i]);
                    }
                }
            }
            break;
        case FDT_END_NODE:
            if (depth == 2) {
                in_chosen = false;
            }
            depth--;
            break;
        case FDT_PROP:
            if (in_chosen && depth == 2) {
                long i = find_prop(&t, props, n);
                if (i >= 0) {
                    if (!done[i]) {
                        emit_prop(st, strs, &props[i]);
                        done[i] = true;
                    }
                    copy = false;
                }
            }
            break;
        }
        if (copy) {
            out_put(st, v->st + pos, t.next - pos);
        }
        if (t.tag == FDT_END) {
            return 0;
        }
        pos = t.next;
    }
}

int fdt_set_chosen(const void *blob, size_t size, const FdtProp *props, size_t n, const char *what,
                   void **out, size_t *out_size)
{
    FdtView v = {0};
    OutBuf st = {0}, strs = {0}, all = {0};
    bool *flags = calloc(2 * n + 1, sizeof(bool)); /* exists[n], then done[n] */
    int ret = -ENOMEM;

    *out = NULL;
    *out_size = 0;
    if (!flags) {
        error_report("%s: out of memory", what);
        return -ENOMEM;
    }
    ret = check_header(&v, blob, size);
    if (ret == 0) {
        ret = walk(&v, props, n, flags);
    }
    if (ret < 0) {
        error_report("%s: %s", what, v.err);
        goto out;
    }

    out_put(&strs, v.strs, v.strs_size);
    ret = rewrite(&v, props, n, flags, flags + n, &st, &strs);
    ret = ret ? ret : st.error ? st.error : strs.error;
    if (ret == 0) {
        uint8_t hdr[FDT_V17_HEADER_SIZE];
        uint64_t total = (uint64_t)sizeof(hdr) + v.rsv_len + st.len + strs.len;
        if (total > UINT32_MAX) {
            ret = -EINVAL;
        } else {
            uint32_t off_struct = (uint32_t)sizeof(hdr) + v.rsv_len;
            stl_be_p(hdr + 0, FDT_MAGIC);
            stl_be_p(hdr + 4, (uint32_t)total);
            stl_be_p(hdr + 8, off_struct);
            stl_be_p(hdr + 12, off_struct + (uint32_t)st.len);
            stl_be_p(hdr + 16, sizeof(hdr)); /* 40: 8-aligned, as the map must be */
            stl_be_p(hdr + 20, FDT_OUT_VERSION);
            stl_be_p(hdr + 24, FDT_OUT_LAST_COMP);
            stl_be_p(hdr + 28, v.boot_cpuid);
            stl_be_p(hdr + 32, (uint32_t)strs.len);
            stl_be_p(hdr + 36, (uint32_t)st.len);
            out_put(&all, hdr, sizeof(hdr));
            out_put(&all, v.base + v.rsv_off, v.rsv_len);
            out_put(&all, st.data, st.len);
            out_put(&all, strs.data, strs.len);
            ret = all.error;
        }
    }
    if (ret == -ENOMEM) {
        error_report("%s: out of memory", what);
    } else if (ret < 0) {
        error_report("%s: the edited device tree would exceed 4 GiB", what);
    } else {
        *out = all.data;
        *out_size = all.len;
        all.data = NULL;
    }

out:
    free(all.data);
    free(st.data);
    free(strs.data);
    free(flags);
    return ret;
}
