/*
 * fdt.h - a small writer of flattened device trees (DTB, version 17), the
 * format firmware and kernels read their hardware description from.  No
 * libfdt: the board builds its tree front to back, the way QEMU's virt board
 * does, and this module serialises it.
 *
 *   Fdt *f = fdt_new();
 *   fdt_begin_node(f, "");                  // the root
 *   fdt_prop_u32(f, "#address-cells", 2);
 *   fdt_begin_node(f, "memory@80000000");
 *   fdt_prop_string(f, "device_type", "memory");
 *   FDT_PROP_CELLS(f, "reg", 0, 0x80000000, 0, 0x10000000);
 *   fdt_end_node(f);
 *   fdt_end_node(f);
 *   fdt_finish(f, &blob, &size);
 *
 * Errors are sticky: misuse (a property outside a node, unbalanced nodes, a
 * reservation after the first node) or running out of memory marks the tree
 * broken, later calls do nothing, and fdt_finish() reports the first error
 * (one error_report() line) and fails.  So a board can emit the whole tree
 * and check once.
 *
 * An Fdt is plain data owned by its creator: one thread at a time, no lock.
 * Property names are stored once in the strings block however often they are
 * used.  All values are written big-endian, as the format requires.
 */
#ifndef MINIMU_HW_FDT_H
#define MINIMU_HW_FDT_H

#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu

typedef struct Fdt Fdt;

/* An empty tree; NULL when memory is short. */
Fdt *fdt_new(void);
/* Free @f (NULL is ignored).  A blob from fdt_finish() is the caller's and stays valid. */
void fdt_free(Fdt *f);

/* Add a /memreserve/ entry.  Only before the first fdt_begin_node(). */
void fdt_add_reservation(Fdt *f, uint64_t addr, uint64_t size);
/* The header's boot_cpuid_phys (default 0). */
void fdt_set_boot_cpuid(Fdt *f, uint32_t cpuid);

/* Open a child of the current node ("" for the root, which must come first and be alone). */
void fdt_begin_node(Fdt *f, const char *name);
void fdt_end_node(Fdt *f);

/* Properties of the current node.  @name is copied (deduplicated). */
void fdt_prop(Fdt *f, const char *name, const void *data, size_t len);
void fdt_prop_empty(Fdt *f, const char *name); /* a boolean property: present, no value */
void fdt_prop_u32(Fdt *f, const char *name, uint32_t val);
void fdt_prop_u64(Fdt *f, const char *name, uint64_t val); /* two cells, high first */
void fdt_prop_cells(Fdt *f, const char *name, const uint32_t *cells, size_t n);
void fdt_prop_string(Fdt *f, const char *name, const char *str);
/* "a\0b\0c\0", as compatible = "a", "b", "c". */
void fdt_prop_string_list(Fdt *f, const char *name, const char *const *strs, size_t n);

/* Convenience: FDT_PROP_CELLS(f, "reg", 0x0, 0x80000000, 0x0, 0x8000000); */
#define FDT_PROP_CELLS(f, name, ...)                             \
    fdt_prop_cells((f), (name), (const uint32_t[]){__VA_ARGS__}, \
                   sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))
/* Convenience: FDT_PROP_STRINGS(f, "compatible", "sifive,plic-1.0.0", "riscv,plic0"); */
#define FDT_PROP_STRINGS(f, name, ...)                                    \
    fdt_prop_string_list((f), (name), (const char *const[]){__VA_ARGS__}, \
                         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/*
 * A new phandle, unique in this tree (1, 2, 3, ...).  Allocate it before the
 * nodes that refer to it are written, then give it to its node with
 * fdt_prop_phandle().
 */
uint32_t fdt_alloc_phandle(Fdt *f);
/* Write the "phandle" property of the current node. */
void fdt_prop_phandle(Fdt *f, uint32_t phandle);

/*
 * Serialise the tree: on success *blob is a malloc'd DTB of *size bytes (the
 * caller frees it) and 0 is returned; otherwise -EINVAL (misuse, including
 * unclosed nodes) or -ENOMEM, with one error line reported.  @f is unchanged
 * and still must be freed.
 */
int fdt_finish(Fdt *f, void **blob, size_t *size);

/*
 * Editing an existing blob (fdt-edit.c): what a board does with a user's
 * -dtb file, where QEMU loads the file and then sets the /chosen properties
 * it would have put in its own tree.
 */

/* One property to set: @len bytes at @data, already big-endian where that matters. */
typedef struct FdtProp {
    const char *name;
    const void *data;
    size_t len;
} FdtProp;

/*
 * Check that @blob (@size bytes as read from a file; may exceed the header's
 * totalsize, never be short of it) is a well-formed flattened device tree,
 * version 16 or later, and return in *out a new malloc'd version-17 blob of
 * *out_size bytes (the caller frees it) that is the same tree with @props set
 * in /chosen:
 *  - a property of /chosen with one of these names gets the new value in
 *    place (later duplicates are dropped); the others are added first in the
 *    node, in @props order (where libfdt's setprop would put them);
 *  - with @n > 0 and no /chosen (libfdt's lookup: "chosen" or "chosen@..."),
 *    one is created as the root's first child;
 *  - everything else (reservation map, boot_cpuid_phys, other nodes,
 *    properties and NOPs) is copied unchanged; the result is packed (no free
 *    space) and grows or shrinks by exactly what changed.
 * With @n == 0 the blob is only validated and copied.
 *
 * Returns 0; -EINVAL when @blob is malformed (bad magic or version, offsets
 * or sizes outside the blob or misaligned, truncated, unterminated names, a
 * name offset beyond the strings block, unbalanced nodes, unknown tokens) or
 * the result would exceed 4 GiB; -ENOMEM.  On failure one error_report() line
 * "@what: <problem>" is printed and *out is NULL.  Pure function of its
 * arguments: any thread.
 */
int fdt_set_chosen(const void *blob, size_t size, const FdtProp *props, size_t n, const char *what,
                   void **out, size_t *out_size);

#endif
