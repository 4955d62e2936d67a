#!/usr/bin/env bash
# bench-web.sh - the browser build against native, same run: the integer workload
# (bench/riscv/intbench.c, as scripts/bench-riscv.sh) and U-Boot's time to the "=> " prompt, in
# headless Chromium and natively (release preset).  Prints a table with the ratios
# (the aim is wasm >= 0.5x native).  MINIMU_BENCH_RUNS=N (default 3) runs each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-build.sh
scripts/deps.sh build
command -v riscv64-unknown-elf-gcc >/dev/null || apt-get install -y gcc-riscv64-unknown-elf >/dev/null

echo "== native release build (build/web-bench-native)" >&2
cmake --preset release -B build/web-bench-native >/dev/null
cmake --build build/web-bench-native -j2 --target minimu

echo "== the integer workload guest" >&2
G=tests/guest/riscv
mkdir -p build/web/site/bench
riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -mcmodel=medany -O2 \
    -ffreestanding -fno-builtin -nostdlib -static -Wall -Wl,--no-warn-rwx-segments \
    -T $G/link.ld -I$G $G/crt.S $G/lib.c bench/riscv/intbench.c -o build/web/site/bench/intbench.elf

echo "== benchmark (host: $(nproc) cores; other load skews both sides alike)" >&2
node tests/web/bench.mjs build/web-bench-native/minimu | tee build/web/bench-results.txt
