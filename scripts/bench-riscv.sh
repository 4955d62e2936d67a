#!/usr/bin/env bash
# bench-riscv.sh - the RISC-V interpreter against QEMU's TCG, same binaries, same run.
#
#   1. an integer workload (bench/riscv/intbench.c: merge sort, FNV-1a, bitwise
#      CRC-32) run bare metal with -bios none: wall time and guest MIPS
#      (instructions retired, read from minstret on minimu, over each
#      emulator's time: the binary and its instruction count are the same);
#   2. Debian's OpenSBI + U-Boot (S-mode) from start to the "=>" prompt.
#
# Prints one markdown table of medians over REPS runs (default 5) and the
# ratios.  The machine is shared: compare ratios, not absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-5}
scripts/deps.sh build test bench
cmake --preset release >/dev/null
cmake --build --preset release --target minimu >/dev/null
MINIMU=build/release/minimu
QEMU=qemu-system-riscv64
OUT=build/release/bench
mkdir -p "$OUT"
G=tests/guest/riscv
riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -mcmodel=medany -O2 -ffreestanding \
    -fno-builtin -nostdlib -static -Wl,--no-warn-rwx-segments -T $G/link.ld -I$G \
    $G/crt.S $G/lib.c bench/riscv/intbench.c -o "$OUT/intbench.elf"

FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin

# time_to_marker CMD...: seconds from start until "=>" appears on the console (pty).
time_to_prompt() {
    python3 - "$@" <<'PY'
import os, pty, select, sys, time, signal
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
buf = b""
deadline = t0 + 120
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        buf += data
        if b"=>" in buf:
            print("%.4f" % (time.monotonic() - t0))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.exit(0)
os.kill(pid, signal.SIGKILL)
print("nan")
PY
}

run_timed() { # prints seconds; stdout of the command goes to $OUT/last.txt
    local t0 t1
    t0=$(date +%s.%N)
    "$@" </dev/null >"$OUT/last.txt" 2>&1 || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -a mw qw mu qu
for i in $(seq "$REPS"); do
    mw+=("$(run_timed "$MINIMU" -M virt -bios none -kernel "$OUT/intbench.elf" -nographic)")
    grep -q "checksum" "$OUT/last.txt" || { echo "minimu: intbench failed"; cat "$OUT/last.txt"; exit 1; }
    msum=$(grep -o 'checksum [0-9a-f]*' "$OUT/last.txt")
    insns=$(grep -o 'instret [0-9]*' "$OUT/last.txt" | awk '{print $2}')
    qw+=("$(run_timed $QEMU -M virt -bios none -kernel "$OUT/intbench.elf" -nographic)")
    qsum=$(grep -o 'checksum [0-9a-f]*' "$OUT/last.txt" || true)
    [ "$msum" = "$qsum" ] || { echo "checksums differ: minimu '$msum' qemu '$qsum'"; exit 1; }
    mu+=("$(time_to_prompt "$MINIMU" -M virt -m 256M -nographic -bios $FW -kernel $UBOOT)")
    qu+=("$(time_to_prompt $QEMU -M virt -m 256M -nographic -bios $FW -kernel $UBOOT)")
done

mwm=$(printf '%s\n' "${mw[@]}" | median); qwm=$(printf '%s\n' "${qw[@]}" | median)
mum=$(printf '%s\n' "${mu[@]}" | median); qum=$(printf '%s\n' "${qu[@]}" | median)
fmt() { printf '%.3f' "$1"; }
mips() { echo "$insns / $1 / 1000000" | bc -l | xargs printf '%.0f'; }

echo
echo "## RISC-V interpreter vs QEMU TCG ($(date -u '+%Y-%m-%d %H:%M UTC'), $REPS runs each, medians)"
echo
echo "host: nproc=$(nproc), $(uname -sr); $($QEMU --version | head -1); shared machine"
echo
echo "| measurement | minimu | QEMU TCG | QEMU time / minimu time |"
echo "|---|---:|---:|---:|"
echo "| intbench wall time, s ($insns guest instructions) | $(fmt "$mwm") | $(fmt "$qwm") | $(echo "$qwm / $mwm" | bc -l | xargs printf '%.2fx') |"
echo "| intbench guest MIPS | $(mips "$mwm") | $(mips "$qwm") | |"
echo "| OpenSBI + U-Boot to \`=>\`, s | $(fmt "$mum") | $(fmt "$qum") | $(echo "$qum / $mum" | bc -l | xargs printf '%.2fx') |"
echo
echo "Above 1x minimu is faster.  Wall times include process start-up; MIPS for both"
echo "use the instruction count minimu's minstret reports for the same binary."
