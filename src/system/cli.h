/*
 * cli.h - the minimu command line (QEMU's softmmu/vl.c, for the virt board).
 *
 *   minimu [-M virt] [-m SIZE] [-smp N] [-bios FILE|none] [-kernel FILE]
 *          [-initrd FILE] [-append CMDLINE] [-dtb FILE] [-nographic]
 *          [-serial stdio|null|tcp:HOST:PORT,server] [-chardev ...]
 *          [-display none] [-d ITEMS] [-D LOGFILE] [-S] [-no-reboot]
 *
 * With no arguments (or --demo) it boots the default guest.  A bad option,
 * size or file is one error line on stderr and exit status 1.  Otherwise the
 * exit status is the guest's: the test finisher's pass is 0, its fail code is
 * that code, Ctrl-A x is 0, SIGINT/SIGTERM is 128 + the signal.
 */
#ifndef MINIMU_SYSTEM_CLI_H
#define MINIMU_SYSTEM_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Run minimu as a program; returns the process exit status.  Main thread, once. */
int minimu_main(int argc, char **argv);

/*
 * Parse a QEMU size: a number with an optional K/M/G/T suffix (powers of 1024,
 * case-insensitive, optional trailing B); a plain number is MiB, as for -m.
 * False if @s is not a size or overflows.
 */
bool cli_parse_size_mb(const char *s, uint64_t *bytes);

#endif
