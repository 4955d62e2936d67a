/*
 * loader.h - putting firmware, kernels, initrds and device trees into guest
 * memory (QEMU's hw/core/loader.c: load_elf, load_image_targphys).
 *
 * Images are read whole from the host file system and copied into the
 * machine's AddressSpace.  ELF64 files for RISC-V are loaded segment by
 * segment at their physical addresses; anything else that starts with the ELF
 * magic is refused (an x86-64 binary given as -kernel is a user mistake, not
 * a raw image).  Every failure is one error line naming the option and the
 * file ("minimu: -kernel: /bin/true: ELF for x86-64, not RISC-V") and a
 * negative return; nothing aborts.
 *
 * Main thread, before the vCPUs start (or with them stopped, on reset).
 */
#ifndef MINIMU_MACHINE_LOADER_H
#define MINIMU_MACHINE_LOADER_H

#include "mem/memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a loaded image landed. */
typedef struct LoadedImage {
    uint64_t entry; /* ELF entry point, or the load address of a raw image */
    uint64_t low;   /* lowest guest address written */
    uint64_t high;  /* one past the highest */
    bool is_elf;
} LoadedImage;

/* A guest RAM window images must fit in. */
typedef struct LoaderRam {
    uint64_t base;
    uint64_t size;
} LoaderRam;

/*
 * Read the whole of @path into a new malloc'd buffer (*data, *size).
 * @what names the option for the error message ("-kernel").  0 or -1.
 */
int loader_read_file(const char *what, const char *path, uint8_t **data, size_t *size);

/* True if @data starts with the ELF magic. */
bool loader_is_elf(const uint8_t *data, size_t size);

/*
 * Load the ELF image in @data: each PT_LOAD segment at its p_paddr (the file
 * bytes, then zeros up to p_memsz).  Every segment must lie inside @ram.
 * 0 or -1 with an error line.
 */
int loader_load_elf(AddressSpace *as, const char *what, const char *path, const uint8_t *data,
                    size_t size, const LoaderRam *ram, LoadedImage *out);

/* Copy @data to @addr; it must fit in @ram.  0 or -1 with an error line. */
int loader_load_raw(AddressSpace *as, const char *what, const char *path, const uint8_t *data,
                    size_t size, uint64_t addr, const LoaderRam *ram, LoadedImage *out);

/*
 * Read @path and load it: as ELF if it has the magic, else raw at @raw_addr.
 * 0 or -1 with an error line.
 */
int loader_load_file(AddressSpace *as, const char *what, const char *path, uint64_t raw_addr,
                     const LoaderRam *ram, LoadedImage *out);

/* "x86-64", "AArch64", ... for an ELF e_machine, for error messages. */
const char *loader_elf_machine_name(unsigned machine);

#endif
