/*
 * kvm.c - the KVM accelerator (system/accel.h): the VM, one thread per vCPU
 * running KVM_RUN, and the exit dispatch (kvmtool's kvm-cpu.c, QEMU's
 * accel/kvm/kvm-all.c, much reduced).
 *
 * Kicks: a vCPU thread leaves KVM_RUN when it gets SIGUSR1 (an empty handler
 * installed without SA_RESTART, so the ioctl returns EINTR).  A kick that
 * lands just before the thread enters KVM_RUN would be lost, so the kicker
 * first sets run->immediate_exit: KVM_RUN then returns EINTR at once.  The
 * thread clears it before running again.
 */
#define _GNU_SOURCE
#include "kvm-int.h"

#include "aio/main-loop.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVM_KICK_SIGNAL SIGUSR1

FILE *kvm__log(AccelState *s)
{
    return s->cfg.log ? s->cfg.log : stderr;
}

static void kick_handler(int sig)
{
    (void)sig;
}

static void install_kick_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return EINTR */
    sigaction(KVM_KICK_SIGNAL, &sa, NULL);
}

static void vcpu_kick(KVMVCPU *v)
{
    if (v->run) {
        __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    }
    if (atomic_load(&v->started_tid)) {
        pthread_kill(v->tid, KVM_KICK_SIGNAL);
    }
}

/* ---- exits ------------------------------------------------------------------------------ */

static void handle_io(AccelState *s, KVMVCPU *v)
{
    struct kvm_run *run = v->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;

    atomic_fetch_add(&s->exits[ACCEL_EXIT_IO], 1);
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t val = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&val, data, size);
            if (s->cfg.io) {
                address_space_st(s->cfg.io, run->io.port, size, val);
            }
        } else {
            /* Unassigned ports float high, as on a PC (Linux probes many). */
            if (!s->cfg.io || address_space_ld(s->cfg.io, run->io.port, size, &val) != MEMTX_OK) {
                val = ~0ULL;
            }
            memcpy(data, &val, size);
        }
    }
}

static void handle_mmio(AccelState *s, KVMVCPU *v)
{
    struct kvm_run *run = v->run;
    unsigned len = run->mmio.len;
    uint64_t val = 0;

    atomic_fetch_add(&s->exits[ACCEL_EXIT_MMIO], 1);
    if (len != 1 && len != 2 && len != 4 && len != 8) {
        /* Split odd sizes into bytes (string instructions in emulated code). */
        for (unsigned i = 0; i < len && i < 8; i++) {
            uint64_t b = 0;
            if (run->mmio.is_write) {
                address_space_st(s->cfg.mem, run->mmio.phys_addr + i, 1, run->mmio.data[i]);
            } else {
                address_space_ld(s->cfg.mem, run->mmio.phys_addr + i, 1, &b);
                run->mmio.data[i] = (uint8_t)b;
            }
        }
        return;
    }
    if (run->mmio.is_write) {
        memcpy(&val, run->mmio.data, len);
        address_space_st(s->cfg.mem, run->mmio.phys_addr, len, val);
    } else {
        address_space_ld(s->cfg.mem, run->mmio.phys_addr, len, &val);
        memcpy(run->mmio.data, &val, len);
    }
}

/* Park until resumed or destroyed.  Called with s->lock held. */
static void park_locked(AccelState *s, KVMVCPU *v)
{
    v->parked = true;
    qemu_cond_broadcast(&s->cond);
    while ((v->pause_request || v->stopped) && !atomic_load(&s->quit)) {
        qemu_cond_wait(&s->cond, &s->lock);
    }
    v->parked = false;
}

static void vcpu_stop(AccelState *s, KVMVCPU *v, AccelStopReason reason)
{
    qemu_mutex_lock(&s->lock);
    v->stopped = true;
    qemu_mutex_unlock(&s->lock);
    if (s->cfg.stop) {
        s->cfg.stop(s->cfg.opaque, v->index, reason);
    }
}

/* One exit; returns false when the vCPU stopped the machine. */
static bool handle_exit(AccelState *s, KVMVCPU *v)
{
    struct kvm_run *run = v->run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO: handle_io(s, v); return true;
    case KVM_EXIT_MMIO: handle_mmio(s, v); return true;
    case KVM_EXIT_HLT:
        atomic_fetch_add(&s->exits[ACCEL_EXIT_OTHER], 1);
        vcpu_stop(s, v, ACCEL_STOP_HLT);
        return false;
    case KVM_EXIT_SHUTDOWN:
        kvm__x86_dump(s, v, "shutdown (triple fault)");
        vcpu_stop(s, v, ACCEL_STOP_SHUTDOWN);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
            vcpu_stop(s, v, ACCEL_STOP_RESET);
        } else {
            kvm__x86_dump(s, v, "system event (shutdown or crash)");
            vcpu_stop(s, v, ACCEL_STOP_SHUTDOWN);
        }
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        kvm__x86_dump(s, v, "internal error");
        vcpu_stop(s, v, ACCEL_STOP_INTERNAL_ERROR);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        fprintf(kvm__log(s), "minimu: kvm: vCPU %d: entry failed, hardware reason 0x%llx\n",
                v->index, (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        kvm__x86_dump(s, v, "entry failure");
        vcpu_stop(s, v, ACCEL_STOP_INTERNAL_ERROR);
        return false;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR: return true;
    default:
        atomic_fetch_add(&s->exits[ACCEL_EXIT_OTHER], 1);
        fprintf(kvm__log(s), "minimu: kvm: vCPU %d: unhandled exit reason %u\n", v->index,
                run->exit_reason);
        kvm__x86_dump(s, v, "unhandled exit");
        vcpu_stop(s, v, ACCEL_STOP_INTERNAL_ERROR);
        return false;
    }
}

static void *vcpu_thread(void *opaque)
{
    KVMVCPU *v = opaque;
    AccelState *s = v->s;
    sigset_t set;

    v->tid = pthread_self();
    atomic_store(&v->started_tid, true);
    /* The kick signal must reach this thread while it runs the guest. */
    sigemptyset(&set);
    sigaddset(&set, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    while (!atomic_load(&s->quit)) {
        qemu_mutex_lock(&s->lock);
        if (v->pause_request || v->stopped) {
            park_locked(s, v);
        }
        qemu_mutex_unlock(&s->lock);
        if (atomic_load(&s->quit)) {
            break;
        }
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
                continue;
            }
            fprintf(kvm__log(s), "minimu: kvm: vCPU %d: KVM_RUN failed: %s\n", v->index,
                    strerror(errno));
            vcpu_stop(s, v, ACCEL_STOP_HOST_ERROR);
            continue;
        }
        handle_exit(s, v);
    }
    return NULL;
}

/* ---- VM ----------------------------------------------------------------------------------- */

static bool host_is_pvm(void)
{
    return access("/sys/module/kvm_pvm", F_OK) == 0;
}

static int open_kvm(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
            error_report("-accel kvm: /dev/kvm does not exist (no KVM on this host); "
                         "RISC-V guests run on the interpreter without it");
        } else if (errno == EACCES || errno == EPERM) {
            error_report("-accel kvm: no permission to open /dev/kvm (join the 'kvm' group); "
                         "RISC-V guests run on the interpreter without it");
        } else {
            error_report("-accel kvm: cannot open /dev/kvm: %s", strerror(errno));
        }
    }
    return fd;
}

static int map_memory(AccelState *s)
{
    AddressSpace *as = s->cfg.mem;
    for (int i = 0; i < as->nr; i++) {
        MemoryRegion *mr = as->map[i].mr;
        if (mr->kind != MR_RAM && mr->kind != MR_ROM) {
            continue;
        }
        struct kvm_userspace_memory_region r = {
            .slot = (uint32_t)s->nr_slots,
            .flags = mr->kind == MR_ROM ? KVM_MEM_READONLY : 0,
            .guest_phys_addr = as->map[i].base,
            .memory_size = mr->size,
            .userspace_addr = (uint64_t)(uintptr_t)mr->ram,
        };
        int r_ok = ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
        if (r_ok < 0 && mr->kind == MR_ROM) {
            /* No read-only slots: map ROM writable rather than fail. */
            r.flags = 0;
            r_ok = ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
        }
        if (r_ok < 0) {
            error_report("-accel kvm: cannot map %s (%llu bytes at 0x%llx): %s", mr->name,
                         (unsigned long long)mr->size, (unsigned long long)as->map[i].base,
                         strerror(errno));
            return -1;
        }
        s->nr_slots++;
    }
    return 0;
}

static void kvm_destroy(AccelState *s);

static AccelState *kvm_init(const AccelConfig *cfg)
{
    if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > ACCEL_MAX_VCPUS) {
        error_report("-smp: %d vCPUs requested, KVM supports 1..%d here", cfg->nr_vcpus,
                     ACCEL_MAX_VCPUS);
        return NULL;
    }
    int kvm_fd = open_kvm();
    if (kvm_fd < 0) {
        return NULL;
    }
    AccelState *s = calloc(1, sizeof(*s));
    if (!s) {
        close(kvm_fd);
        error_report("-accel kvm: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->kvm_fd = kvm_fd;
    s->vm_fd = -1;
    s->pvm = host_is_pvm();
    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->cond);
    for (int i = 0; i < ACCEL_MAX_VCPUS; i++) {
        s->vcpus[i].fd = -1;
    }

    if (ioctl(kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        error_report("-accel kvm: unsupported KVM API version");
        goto fail;
    }
    s->immediate_exit = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) > 0;
    s->run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    s->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (s->vm_fd < 0 || s->run_size <= 0) {
        error_report("-accel kvm: cannot create a VM: %s", strerror(errno));
        goto fail;
    }
    /* Intel needs three pages for the real-mode TSS; harmless elsewhere. */
    ioctl(s->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
    if (cfg->irqchip) {
        struct kvm_pit_config pit = {.flags = 0};
        if (ioctl(s->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
            error_report("-accel kvm: KVM_CREATE_IRQCHIP failed: %s", strerror(errno));
            goto fail;
        }
        if (ioctl(s->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
            error_report("-accel kvm: KVM_CREATE_PIT2 failed: %s", strerror(errno));
            goto fail;
        }
    }
    if (map_memory(s) < 0) {
        goto fail;
    }
    for (int i = 0; i < cfg->nr_vcpus; i++) {
        KVMVCPU *v = &s->vcpus[i];
        v->s = s;
        v->index = i;
        v->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
        if (v->fd < 0) {
            error_report("-accel kvm: cannot create vCPU %d: %s", i, strerror(errno));
            goto fail;
        }
        v->run = mmap(NULL, (size_t)s->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
        if (v->run == MAP_FAILED) {
            v->run = NULL;
            error_report("-accel kvm: cannot map vCPU %d's run area: %s", i, strerror(errno));
            goto fail;
        }
        if (kvm__x86_setup_cpuid(s, v) < 0) {
            goto fail;
        }
    }
    install_kick_handler();
    return s;

fail:
    kvm_destroy(s);
    return NULL;
}

static int kvm_start(AccelState *s)
{
    for (int i = 0; i < s->cfg.nr_vcpus; i++) {
        KVMVCPU *v = &s->vcpus[i];
        char name[24];
        snprintf(name, sizeof(name), "CPU %d/KVM", i);
        if (qemu_thread_create(&v->thread, name, vcpu_thread, v) < 0) {
            error_report("-accel kvm: cannot start the thread of vCPU %d", i);
            return -1;
        }
        v->thread_started = true;
    }
    return 0;
}

static void kvm_pause(AccelState *s)
{
    bool had_bql = bql_locked();
    if (had_bql) {
        bql_unlock(); /* a vCPU may be waiting for the BQL inside an exit */
    }
    qemu_mutex_lock(&s->lock);
    for (int i = 0; i < s->cfg.nr_vcpus; i++) {
        s->vcpus[i].pause_request = true;
        vcpu_kick(&s->vcpus[i]);
    }
    for (int i = 0; i < s->cfg.nr_vcpus; i++) {
        KVMVCPU *v = &s->vcpus[i];
        while (v->thread_started && !v->parked) {
            qemu_cond_wait(&s->cond, &s->lock);
        }
    }
    qemu_mutex_unlock(&s->lock);
    if (had_bql) {
        bql_lock();
    }
}

static void kvm_resume(AccelState *s)
{
    qemu_mutex_lock(&s->lock);
    for (int i = 0; i < s->cfg.nr_vcpus; i++) {
        s->vcpus[i].pause_request = false;
    }
    qemu_cond_broadcast(&s->cond);
    qemu_mutex_unlock(&s->lock);
}

static void kvm_destroy(AccelState *s)
{
    if (!s) {
        return;
    }
    bool had_bql = bql_locked();
    if (had_bql) {
        bql_unlock();
    }
    atomic_store(&s->quit, true);
    qemu_mutex_lock(&s->lock);
    qemu_cond_broadcast(&s->cond);
    qemu_mutex_unlock(&s->lock);
    for (int i = 0; i < ACCEL_MAX_VCPUS; i++) {
        KVMVCPU *v = &s->vcpus[i];
        if (v->thread_started) {
            vcpu_kick(v);
            qemu_thread_join(&v->thread);
        }
    }
    if (had_bql) {
        bql_lock();
    }
    for (int i = 0; i < ACCEL_MAX_VCPUS; i++) {
        KVMVCPU *v = &s->vcpus[i];
        if (v->run) {
            munmap(v->run, (size_t)s->run_size);
        }
        if (v->fd >= 0) {
            close(v->fd);
        }
    }
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    close(s->kvm_fd);
    qemu_cond_destroy(&s->cond);
    qemu_mutex_destroy(&s->lock);
    free(s);
}

static bool kvm_is_emulated_cpl0(AccelState *s)
{
    return s->pvm;
}

static int kvm_set_runnable(AccelState *s, int vcpu, bool runnable)
{
    struct kvm_mp_state mp = {.mp_state =
                                  runnable ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED};
    if (vcpu < 0 || vcpu >= s->cfg.nr_vcpus) {
        return -1;
    }
    if (ioctl(s->vcpus[vcpu].fd, KVM_SET_MP_STATE, &mp) < 0) {
        error_report("-accel kvm: KVM_SET_MP_STATE on vCPU %d: %s", vcpu, strerror(errno));
        return -1;
    }
    return 0;
}

static int kvm_set_irq(AccelState *s, int gsi, int level)
{
    struct kvm_irq_level irq = {.irq = (uint32_t)gsi, .level = (uint32_t)(level != 0)};
    return ioctl(s->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

static int kvm_add_ioeventfd(AccelState *s, bool pio, uint64_t addr, unsigned len, EventNotifier *e)
{
    struct kvm_ioeventfd io = {
        .addr = addr,
        .len = len,
        .fd = event_notifier_get_fd(e),
        .flags = pio ? KVM_IOEVENTFD_FLAG_PIO : 0,
    };
    return ioctl(s->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static int kvm_add_irqfd(AccelState *s, int gsi, EventNotifier *e)
{
    struct kvm_irqfd irqfd = {.fd = (uint32_t)event_notifier_get_fd(e), .gsi = (uint32_t)gsi};
    return ioctl(s->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

static uint64_t kvm_exit_count(AccelState *s, int kind)
{
    if (kind < 0 || kind >= ACCEL_EXIT__MAX) {
        return 0;
    }
    return atomic_load(&s->exits[kind]);
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .init = kvm_init,
    .destroy = kvm_destroy,
    .is_emulated_cpl0 = kvm_is_emulated_cpl0,
    .x86_set_boot = kvm__x86_set_boot,
    .set_runnable = kvm_set_runnable,
    .start = kvm_start,
    .pause = kvm_pause,
    .resume = kvm_resume,
    .set_irq = kvm_set_irq,
    .add_ioeventfd = kvm_add_ioeventfd,
    .add_irqfd = kvm_add_irqfd,
    .exit_count = kvm_exit_count,
};

const AccelOps *accel_kvm_ops(void)
{
    return &kvm_accel_ops;
}
