/*
 * kvm-int.h - internals shared by the KVM accelerator's files (kvm.c: VM,
 * vCPU threads and exits; kvm-x86.c: CPUID, boot registers, dumps).
 */
#ifndef MINIMU_PLATFORM_KVM_INT_H
#define MINIMU_PLATFORM_KVM_INT_H

#include "system/accel.h"

#include <linux/kvm.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct KVMVCPU {
    AccelState *s;
    int index;
    int fd;
    struct kvm_run *run;
    QemuThread thread;
    bool thread_started;
    atomic_bool started_tid; /* tid below is valid */
    pthread_t tid;

    /* guarded by s->lock */
    bool pause_request;
    bool parked;
    bool stopped; /* reported a stop; stays parked until destroy */
} KVMVCPU;

struct AccelState {
    AccelConfig cfg;
    int kvm_fd, vm_fd;
    int run_size;
    bool pvm; /* kvm_pvm: CPL0 code is emulated */
    bool immediate_exit;
    int nr_slots;

    QemuMutex lock; /* pause/park handshake */
    QemuCond cond;
    atomic_bool quit; /* destroy: threads leave */
    KVMVCPU vcpus[ACCEL_MAX_VCPUS];
    atomic_uint_fast64_t exits[ACCEL_EXIT__MAX];
};

/* kvm-x86.c */
int kvm__x86_setup_cpuid(AccelState *s, KVMVCPU *v);
int kvm__x86_set_boot(AccelState *s, int vcpu, const AccelX86Boot *boot);
/* Register dump (and, for an emulation failure, the instruction bytes at RIP). */
void kvm__x86_dump(AccelState *s, KVMVCPU *v, const char *why);
FILE *kvm__log(AccelState *s);

#endif
