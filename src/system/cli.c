/* cli.c - option parsing and the life of one minimu process; see cli.h. */
#include "system/cli.h"

#include "aio/main-loop.h"
#include "chardev/char.h"
#include "cpu/riscv/cpu.h"
#include "machine/microvm.h"
#include "machine/virt.h"
#include "system/loop-demo.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEBIAN_FW_DYNAMIC  "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define DEBIAN_UBOOT_SMODE "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
/* Where guest/build.sh puts the default guest; set by CMake, $MINIMU_GUEST_DIR overrides. */
#ifndef MINIMU_DEFAULT_GUEST_DIR
#define MINIMU_DEFAULT_GUEST_DIR "build/guest"
#endif
#define MINIMU_VERSION   "0.1.0"
#define CLI_MAX_CHARDEVS 8

typedef struct CliOptions {
    VirtConfig cfg;
    const char *bios; /* as given: NULL (default), "none", "default" or a path */
    const char *serial;
    const char *chardevs[CLI_MAX_CHARDEVS];
    int nr_chardevs;
    const char *logfile;
    char *dumpdtb;
    bool demo;
    bool loop_demo;
    bool microvm;            /* -M microvm: the x86-64 board on KVM */
    const char *accel;       /* -accel kvm|tcg, NULL: the board's default */
    bool stats;              /* -stats: print accelerator exit counts at the end */
    char guest_kernel[1024]; /* the default guest's images, when built */
    char guest_initrd[1024];
} CliOptions;

static const char usage[] =
    "usage: minimu [options]\n"
    "With no options, boots the default guest on the terminal: Linux + busybox when\n"
    "guest/build.sh has built it (or $MINIMU_GUEST_DIR has Image and initramfs.cpio.gz),\n"
    "else OpenSBI + U-Boot.\n"
    "\n"
    "  -M virt                  the RISC-V virt board, on the interpreter (default)\n"
    "  -M microvm               the x86-64 microvm board, on KVM (-accel kvm)\n"
    "  -accel kvm|tcg           accelerator: kvm for microvm, tcg (the interpreter) for virt\n"
    "  -m SIZE                  guest RAM: 256M, 1G, or a number of MiB (default 128M)\n"
    "  -smp N                   number of harts (1-8), one host thread each\n"
    "  -bios FILE|none          M-mode firmware at 0x80000000 (default: Debian's OpenSBI\n"
    "                           fw_dynamic.bin); none: -kernel runs in M-mode\n"
    "  -kernel FILE             ELF or raw image (raw: 0x80200000 after firmware)\n"
    "  -initrd FILE             initial ramdisk\n"
    "  -append CMDLINE          kernel command line (/chosen/bootargs)\n"
    "  -dtb FILE                use this device tree instead of the generated one\n"
    "  -nographic               console on stdio (the default)\n"
    "  -serial DEV              stdio, null, none, tcp:HOST:PORT[,server[,nowait]], chardev:ID\n"
    "  -chardev BACKEND,id=ID   stdio, null, socket,host=H,port=P[,server=on[,wait=off]]\n"
    "  -display none            accepted (minimu has no display)\n"
    "  -d ITEMS                 log: int, in_asm, guest_errors, unimp (comma-separated)\n"
    "  -D FILE                  write the -d log to FILE\n"
    "  -S                       do not start the CPUs\n"
    "  -no-reboot               exit instead of rebooting when the guest resets\n"
    "  -stats                   print the accelerator's exit counts at the end (microvm)\n"
    "  --demo                   boot the default guest\n"
    "  --loop-demo              show which thread runs each step of a guest I/O (tutorial)\n"
    "  -h, --help               this help\n"
    "  --version                version\n"
    "\n"
    "Console: Ctrl-A x quits, Ctrl-A h prints help, Ctrl-A Ctrl-A sends Ctrl-A.\n";

static bool file_readable(const char *what, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_report("%s: cannot open '%s': %s", what, path, strerror(errno));
        return false;
    }
    fclose(f);
    return true;
}

bool cli_parse_size_mb(const char *s, uint64_t *bytes)
{
    char *end;
    if (!s || !*s || *s == '-') {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) {
        return false;
    }
    unsigned shift;
    switch (*end) {
    case '\0': shift = 20; break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    case 't':
    case 'T':
        shift = 40;
        end++;
        break;
    default: return false;
    }
    if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end || v > (UINT64_MAX >> shift)) {
        return false;
    }
    *bytes = (uint64_t)v << shift;
    return true;
}

static int parse_debug(const char *items, unsigned *flags)
{
    char *copy = strdup(items);
    int r = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "int") == 0) {
            *flags |= RISCV_LOG_INT;
        } else if (strcmp(t, "in_asm") == 0 || strcmp(t, "exec") == 0) {
            *flags |= RISCV_LOG_IN_ASM;
        } else if (strcmp(t, "guest_errors") == 0 || strcmp(t, "unimp") == 0) {
            /* Guest errors are always reported (rate-limited), as these would enable. */
        } else if (strcmp(t, "help") == 0) {
            printf("Log items (comma separated):\n"
                   "int           show interrupts/exceptions\n"
                   "in_asm        show every executed instruction (slow)\n"
                   "guest_errors  log guest errors (always on)\n"
                   "unimp         log unimplemented functionality (always on)\n");
            r = 1;
        } else {
            error_report("-d: unknown log item '%s' (try -d help)", t);
            r = -1;
            break;
        }
    }
    free(copy);
    return r;
}

/* The value of option argv[*i]; one error line if it is missing. */
static const char *arg_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        error_report("%s: option needs an argument", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* 0: run; 1: exit 0 now (help); -1: exit 1. */
static int parse_args(int argc, char **argv, CliOptions *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (a[0] != '-') {
            error_report("'%s': unexpected argument (options start with '-')", a);
            return -1;
        }
        const char *name = a + 1 + (a[1] == '-'); /* QEMU accepts -opt and --opt */

#define VALUE()                                 \
    do {                                        \
        if (!(v = arg_value(argc, argv, &i))) { \
            return -1;                          \
        }                                       \
    } while (0)

        if (!strcmp(name, "h") || !strcmp(name, "help")) {
            fputs(usage, stdout);
            return 1;
        } else if (!strcmp(name, "version")) {
            printf("minimu version " MINIMU_VERSION "\n");
            return 1;
        } else if (!strcmp(name, "demo")) {
            o->demo = true;
        } else if (!strcmp(name, "loop-demo")) {
            o->loop_demo = true;
        } else if (!strcmp(name, "accel")) {
            VALUE();
            if (strcmp(v, "kvm") != 0 && strcmp(v, "tcg") != 0) {
                error_report("-accel: '%s' is not an accelerator (kvm or tcg)", v);
                return -1;
            }
            o->accel = v;
        } else if (!strcmp(name, "enable-kvm")) {
            o->accel = "kvm";
        } else if (!strcmp(name, "stats")) {
            o->stats = true;
        } else if (!strcmp(name, "M") || !strcmp(name, "machine")) {
            VALUE();
            if (!strcmp(v, "help")) {
                printf("Supported machines are:\nvirt                 RISC-V VirtIO board\n"
                       "microvm              x86-64 microvm on KVM\n");
                return 1;
            }
            if (!strcmp(v, "microvm")) {
                o->microvm = true;
                continue;
            }
            if (strncmp(v, "virt", 4) != 0 || (v[4] != '\0' && v[4] != ',')) {
                error_report("-M: unsupported machine '%s' (virt or microvm)", v);
                return -1;
            }
            for (const char *p = strchr(v, ','); p; p = strchr(p + 1, ',')) {
                if (!strncmp(p + 1, "dumpdtb=", 8)) {
                    const char *end = strchr(p + 9, ',');
                    o->dumpdtb = end ? strndup(p + 9, (size_t)(end - p - 9)) : strdup(p + 9);
                    o->cfg.dumpdtb = o->dumpdtb;
                } else {
                    warn_report("-M: machine option '%.*s' ignored", (int)strcspn(p + 1, ","),
                                p + 1);
                }
            }
        } else if (!strcmp(name, "m")) {
            VALUE();
            const char *sz = strncmp(v, "size=", 5) == 0 ? v + 5 : v;
            if (!cli_parse_size_mb(sz, &o->cfg.ram_size) || o->cfg.ram_size < (1u << 20)) {
                error_report("-m: '%s' is not a size", v);
                return -1;
            }
            if (o->cfg.ram_size > (64ULL << 30)) {
                error_report("-m: '%s' is more RAM than the virt board maps (64 GiB)", v);
                return -1;
            }
        } else if (!strcmp(name, "smp")) {
            VALUE();
            const char *n = strncmp(v, "cpus=", 5) == 0 ? v + 5 : v;
            char *end;
            long c = strtol(n, &end, 10);
            if (end == n || (*end && *end != ',') || c < 1 || c > VIRT_MAX_HARTS) {
                error_report("-smp: '%s' is not a number of harts (1-%d)", v, VIRT_MAX_HARTS);
                return -1;
            }
            o->cfg.smp = (int)c;
        } else if (!strcmp(name, "bios")) {
            VALUE();
            o->bios = v;
        } else if (!strcmp(name, "kernel")) {
            VALUE();
            o->cfg.kernel = v;
        } else if (!strcmp(name, "initrd")) {
            VALUE();
            o->cfg.initrd = v;
        } else if (!strcmp(name, "append")) {
            VALUE();
            o->cfg.append = v;
        } else if (!strcmp(name, "dtb")) {
            VALUE();
            o->cfg.dtb = v;
        } else if (!strcmp(name, "nographic")) {
            /* The console is on stdio by default already. */
        } else if (!strcmp(name, "serial")) {
            VALUE();
            if (!o->serial) {
                o->serial = v; /* further -serial options would be UART1.., which virt lacks */
            }
        } else if (!strcmp(name, "chardev")) {
            VALUE();
            if (o->nr_chardevs == CLI_MAX_CHARDEVS) {
                error_report("-chardev: too many (at most %d)", CLI_MAX_CHARDEVS);
                return -1;
            }
            o->chardevs[o->nr_chardevs++] = v;
        } else if (!strcmp(name, "display")) {
            VALUE();
            if (strcmp(v, "none") != 0) {
                error_report("-display: '%s' is not supported (only none)", v);
                return -1;
            }
        } else if (!strcmp(name, "d")) {
            VALUE();
            int r = parse_debug(v, &o->cfg.cpu_log_flags);
            if (r) {
                return r;
            }
        } else if (!strcmp(name, "D")) {
            VALUE();
            o->logfile = v;
        } else if (!strcmp(name, "S")) {
            o->cfg.start_paused = true;
        } else if (!strcmp(name, "no-reboot")) {
            o->cfg.no_reboot = true;
        } else {
            error_report("%s: unknown option (see minimu --help)", a);
            return -1;
        }
#undef VALUE
    }
    return 0;
}

/*
 * The default guest is the Linux + busybox that guest/build.sh builds, if it
 * has been built; otherwise Debian's U-Boot.  True if the images exist.
 */
static bool default_linux_guest(CliOptions *o)
{
    const char *dir = getenv("MINIMU_GUEST_DIR");
    if (!dir || !*dir) {
        dir = MINIMU_DEFAULT_GUEST_DIR;
    }
    snprintf(o->guest_kernel, sizeof(o->guest_kernel), "%s/Image", dir);
    snprintf(o->guest_initrd, sizeof(o->guest_initrd), "%s/initramfs.cpio.gz", dir);
    return access(o->guest_kernel, R_OK) == 0 && access(o->guest_initrd, R_OK) == 0;
}

/* Resolve -bios and the default guest, and check every file before touching the terminal. */
static int resolve_images(CliOptions *o, bool no_args)
{
    if (no_args || o->demo) {
        if (!o->cfg.kernel && default_linux_guest(o)) {
            o->cfg.kernel = o->guest_kernel;
            o->cfg.initrd = o->guest_initrd;
        }
        if (!o->cfg.kernel) {
            o->cfg.kernel = DEBIAN_UBOOT_SMODE;
        }
        if (!o->cfg.ram_size) {
            o->cfg.ram_size = 256ULL << 20;
        }
        FILE *a = fopen(DEBIAN_FW_DYNAMIC, "rb"), *b = fopen(o->cfg.kernel, "rb");
        bool ok = a && b;
        if (a) {
            fclose(a);
        }
        if (b) {
            fclose(b);
        }
        if (!ok && !o->bios) {
            error_report("the default guest needs Debian's OpenSBI and U-Boot "
                         "(apt-get install opensbi u-boot-qemu); see minimu --help");
            return -1;
        }
    }
    if (!o->bios || !strcmp(o->bios, "default")) {
        FILE *f = fopen(DEBIAN_FW_DYNAMIC, "rb");
        o->cfg.bios = f ? DEBIAN_FW_DYNAMIC : NULL;
        if (f) {
            fclose(f);
        } else if (!o->cfg.kernel) {
            error_report("no firmware: install opensbi, or give -bios FILE or -bios none -kernel");
            return -1;
        }
    } else if (!strcmp(o->bios, "none")) {
        o->cfg.bios = NULL;
        if (!o->cfg.kernel) {
            error_report("-bios none: nothing to run without -kernel");
            return -1;
        }
    } else {
        o->cfg.bios = o->bios;
    }
    if ((o->cfg.bios && !file_readable("-bios", o->cfg.bios)) ||
        (o->cfg.kernel && !file_readable("-kernel", o->cfg.kernel)) ||
        (o->cfg.initrd && !file_readable("-initrd", o->cfg.initrd)) ||
        (o->cfg.dtb && !file_readable("-dtb", o->cfg.dtb))) {
        return -1;
    }
    return 0;
}

/* The chardev for UART0: -serial, possibly naming a -chardev by id. */
static Chardev *open_serial(CliOptions *o, MainLoop *ml, Chardev **extra, int *nr_extra)
{
    const char *spec = o->serial ? o->serial : "stdio";
    const char *ref = strncmp(spec, "chardev:", 8) == 0 ? spec + 8 : NULL;
    Chardev *serial = NULL;

    for (int i = 0; i < o->nr_chardevs; i++) {
        Chardev *c = qemu_chr_new("chardev", o->chardevs[i], ml);
        if (!c) {
            return NULL;
        }
        extra[(*nr_extra)++] = c;
        if (ref && !strcmp(c->label, ref)) {
            serial = c;
        }
    }
    if (ref) {
        if (!serial) {
            error_report("-serial: no -chardev with id '%s'", ref);
        }
        return serial;
    }
    return qemu_chr_new("serial0", spec, ml);
}

static int run(CliOptions *op, bool no_args);

/* -M microvm: the x86-64 board, which brings its own main loop and vCPUs. */
static int run_microvm(CliOptions *o)
{
    if (o->accel && strcmp(o->accel, "kvm") != 0) {
        error_report("-M microvm runs on KVM only (-accel kvm)");
        return 1;
    }
    if (!o->cfg.kernel) {
        error_report("-M microvm: no -kernel given");
        return 1;
    }
    if (!file_readable("-kernel", o->cfg.kernel) ||
        (o->cfg.initrd && !file_readable("-initrd", o->cfg.initrd))) {
        return 1;
    }
    MicrovmOptions mo = {
        .ram_size = o->cfg.ram_size,
        .smp = o->cfg.smp,
        .kernel = o->cfg.kernel,
        .initrd = o->cfg.initrd,
        .append = o->cfg.append,
        .serial = o->serial,
        .no_reboot = o->cfg.no_reboot,
        .stats = o->stats,
    };
    return microvm_main(&mo);
}

int minimu_main(int argc, char **argv)
{
    CliOptions o = {0};
    int r = parse_args(argc, argv, &o);
    int status = r > 0 ? 0 : 1;
    if (r == 0 && o.loop_demo) {
        status = loop_demo_run(stdout);
    } else if (r == 0 && o.microvm) {
        status = run_microvm(&o);
    } else if (r == 0 && o.accel && !strcmp(o.accel, "kvm")) {
        error_report("-accel kvm: KVM runs x86-64 guests (-M microvm); "
                     "RISC-V guests run on the interpreter");
        status = 1;
    } else if (r == 0) {
        status = run(&o, argc <= 1);
    }
    free(o.dumpdtb);
    return status;
}

static int run(CliOptions *op, bool no_args)
{
    CliOptions o = *op;
    if (resolve_images(&o, no_args) < 0) {
        return 1;
    }
    FILE *log = NULL;
    if (o.logfile) {
        log = fopen(o.logfile, "w");
        if (!log) {
            error_report("-D: cannot open '%s': %s", o.logfile, strerror(errno));
            return 1;
        }
        o.cfg.cpu_log = log;
    }

    int status = 1;
    QEMUClocks *clocks = qemu_clocks_new();
    MainLoop *ml = clocks ? main_loop_new(clocks) : NULL; /* takes the BQL */
    if (!ml) {
        qemu_clocks_free(clocks);
        if (log) {
            fclose(log);
        }
        return 1;
    }
    Chardev *extra[CLI_MAX_CHARDEVS];
    int nr_extra = 0;
    Chardev *serial = open_serial(&o, ml, extra, &nr_extra);
    if (!serial) {
        /* A signal ended a server chardev's wait for its client: exit as for one later. */
        main_loop_should_exit(ml, &status);
    }
    VirtMachine *m = NULL;
    if (serial) {
        o.cfg.serial = serial;
        m = virt_new(&o.cfg, ml);
    }
    if (m && m->dtb_dumped) {
        status = 0;
    } else if (m && virt_start(m) == 0) {
        status = main_loop_run(ml);
    }

    /* Teardown: CPUs first (they touch devices), then devices, backends, the loop. */
    virt_free(m);
    bool serial_is_extra = false;
    for (int i = 0; i < nr_extra; i++) {
        serial_is_extra |= extra[i] == serial;
        qemu_chr_delete(extra[i]);
    }
    if (!serial_is_extra) {
        qemu_chr_delete(serial);
    }
    main_loop_free(ml); /* releases the BQL */
    qemu_clocks_free(clocks);
    if (log) {
        fclose(log);
    }
    return status;
}
