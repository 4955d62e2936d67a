#!/usr/bin/env bash
# bench-boot.sh [--reps N] - Linux boot time: minimu against QEMU, as one table.
#
# Builds the release preset and the default guest (guest/build.sh, cached),
# installs qemu-system-misc if it is missing, then runs bench/bench-boot.py:
# wall time from start to the guest's /init banner for minimu and
# qemu-system-riscv64 (TCG) with the same OpenSBI, kernel and initramfs,
# alternating, N runs each (default 5), medians and the ratio to QEMU.
# The Chromium row waits for the web build.  Not part of ctest: shared
# machines are noisy; read the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp /tmp/bench-boot.XXXXXX.log)
trap 'rm -f "$log"' EXIT

scripts/deps.sh build guest bench
guest/build.sh

echo "bench-boot.sh: building the release preset" >&2
if ! { cmake --preset release && cmake --build --preset release -j2 --target minimu; } >"$log" 2>&1; then
    tail -40 "$log" >&2
    exit 1
fi

echo "bench-boot.sh: booting to the /init banner, minimu and QEMU alternating" >&2
exec python3 bench/bench-boot.py --minimu build/release/minimu "$@"
