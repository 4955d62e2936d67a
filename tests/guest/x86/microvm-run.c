/*
 * microvm-run.c - a tiny driver for the microvm board until the minimu
 * command line routes "-M microvm -accel kvm" to microvm_main():
 *
 *   microvm-run [-m MiB] [-smp N] -kernel IMAGE [-initrd FILE] [-append STR]
 *               [-serial stdio|null] [-no-reboot] [-stats]
 *
 * Exit status: microvm_main()'s (the guest's power-off status, 1 on error).
 */
#include "machine/microvm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    MicrovmOptions o = {.serial = "stdio"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-no-reboot")) {
            o.no_reboot = true;
        } else if (!strcmp(a, "-stats")) {
            o.stats = true;
        } else if (v && !strcmp(a, "-m")) {
            o.ram_size = strtoull(v, NULL, 0) << 20, i++;
        } else if (v && !strcmp(a, "-smp")) {
            o.smp = atoi(v), i++;
        } else if (v && !strcmp(a, "-kernel")) {
            o.kernel = v, i++;
        } else if (v && !strcmp(a, "-initrd")) {
            o.initrd = v, i++;
        } else if (v && !strcmp(a, "-append")) {
            o.append = v, i++;
        } else if (v && !strcmp(a, "-serial")) {
            o.serial = v, i++;
        } else {
            fprintf(stderr, "microvm-run: unknown or incomplete option '%s'\n", a);
            return 1;
        }
    }
    return microvm_main(&o);
}
