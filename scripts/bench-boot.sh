#!/usr/bin/env bash
# bench-boot.sh [--reps N] - Linux boot time: minimu against QEMU, as one table.
#
# Builds the release preset and the default guest (guest/build.sh, cached),
# installs qemu-system-misc if it is missing, then runs bench/bench-boot.py:
# wall time from start to the guest's /init banner for minimu and
# qemu-system-riscv64 (TCG) with the same OpenSBI, kernel and initramfs,
# alternating, N runs each (default 5), medians and the ratio to QEMU.
# The third row boots the same images in headless Chromium from the web build
# (scripts/web-build.sh; MINIMU_BENCH_NO_WEB=1 leaves it out).  Not part of
# ctest: shared machines are noisy; read the ratios.
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

web=()
if [ -z "${MINIMU_BENCH_NO_WEB:-}" ]; then
    echo "bench-boot.sh: building the web site (scripts/web-build.sh)" >&2
    if ! scripts/web-build.sh >"$log" 2>&1; then
        tail -40 "$log" >&2
        exit 1
    fi
    web=(--web-site build/web/site)
fi

echo "bench-boot.sh: booting to the /init banner, minimu, QEMU and Chromium alternating" >&2
exec python3 bench/bench-boot.py --minimu build/release/minimu "${web[@]}" "$@"
