#!/usr/bin/env bash
# bench-kvm.sh - minimu -M microvm -accel kvm against qemu-system-x86_64 -accel kvm -M microvm,
# loading the same tutorial kernel (tests/guest/x86/), same run; see bench/bench-kvm.py for
# what is measured.  Prints one markdown table (medians over REPS runs, default 7).
#
#   BUILD=build/release REPS=7 scripts/bench-kvm.sh
#
# Needs /dev/kvm, qemu-system-x86 (QEMU's microvm firmware is qboot, bios-microvm.bin from
# Debian's qemu-system-data) and perf for the doorbell latency (optional).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
REPS=${REPS:-7}
if [ ! -w /dev/kvm ]; then
    echo "bench-kvm: /dev/kvm is missing or not writable: nothing to measure" >&2
    exit 77
fi
command -v qemu-system-x86_64 >/dev/null || {
    echo "bench-kvm: qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2
    exit 1
}
cmake --preset release -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 --target minimu x86-guests >/dev/null
G=$BUILD/tests/guest/x86
[ -e /sys/module/kvm_pvm ] && echo "note: kvm_pvm host: CPL0 guest code (and QEMU's real-mode firmware) is emulated by KVM"
python3 bench/bench-kvm.py --minimu "$BUILD/minimu" --kernel "$G/tutorial.bzImage" \
    --initrd tests/guest/x86/tutorial-initrd.txt --exit-elf "$G/exit-now.elf" \
    --exit-bios "$G/exit-bios.bin" --reps "$REPS"
