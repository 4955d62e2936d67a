#!/usr/bin/env python3
"""Boot-time benchmark: wall time from process start to the guest's /init banner.

  bench-boot.py [--reps N] [--minimu PATH] [--qemu PATH] [--guest DIR]

Boots the same OpenSBI (Debian's fw_dynamic.bin), kernel and initramfs
(guest/build.sh) on minimu and on qemu-system-riscv64 (TCG), alternating the
two so that host load hits both alike, and prints one markdown table with the
median, min and max of N runs and the ratio to QEMU.  Each run ends as soon as
the banner is seen (SIGKILL: nothing to clean up, and shutdown is not timed).
Also printed: the emulator's host CPU time (user + system, from wait4), which
a loaded machine disturbs much less than wall time, and the guest's own uptime
from the banner.
"""
import argparse
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import sys
import time

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
BANNER = re.compile(rb"minimu guest: Linux \S+ riscv64, up ([0-9.]+)s")


def boot_once(argv, timeout):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    buf = b""
    try:
        while True:
            m = BANNER.search(buf)
            if m:
                return time.monotonic() - t0, float(m.group(1)), p
            left = t0 + timeout - time.monotonic()
            if left <= 0 or p.poll() is not None:
                raise RuntimeError(f"{argv[0]}: no banner after {time.monotonic() - t0:.1f}s "
                                   f"(exit {p.poll()}); tail: {buf[-500:]!r}")
            r, _, _ = select.select([p.stdout], [], [], min(left, 0.5))
            if r:
                data = os.read(p.stdout.fileno(), 65536)
                buf += data
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_once(argv, timeout):
    """Boot once: (wall s, guest uptime s, host CPU s of the emulator up to its kill)."""
    try:
        wall, up, p = boot_once(argv, timeout)
    except RuntimeError:
        raise
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    return wall, up, ru.ru_utime + ru.ru_stime


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--minimu", default=os.path.join(root, "build", "release", "minimu"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--guest", default=os.environ.get("MINIMU_GUEST_DIR",
                                                      os.path.join(root, "build", "guest")))
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()

    common = ["-M", "virt", "-m", "256M", "-nographic", "-bios", FW,
              "-kernel", os.path.join(a.guest, "Image"),
              "-initrd", os.path.join(a.guest, "initramfs.cpio.gz")]
    rows = [("minimu native", [a.minimu] + common),
            ("qemu-system-riscv64 (TCG)", [a.qemu] + common)]
    results = {name: [] for name, _ in rows}
    for i in range(a.reps):
        for name, argv in rows:
            wall, up, cpu = run_once(argv, a.timeout)
            results[name].append((wall, up, cpu))
            print(f"  run {i + 1}/{a.reps} {name}: {wall:.3f} s (guest uptime {up:.2f} s, "
                  f"CPU {cpu:.2f} s)",
                  file=sys.stderr, flush=True)

    qv = subprocess.run([a.qemu, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    print(f"host: {cpu or platform.processor()}, {os.cpu_count()} CPUs; {qv}; {a.reps} runs each, "
          "alternating")
    print()
    print("| boot to /init banner | median wall (s) | min | max | × QEMU | host CPU (s) | "
          "CPU × QEMU | guest uptime (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    qmed = statistics.median(r[0] for r in results[rows[1][0]])
    qcpu = statistics.median(r[2] for r in results[rows[1][0]])
    for name, _ in rows:
        ws = [r[0] for r in results[name]]
        med = statistics.median(ws)
        cpu = statistics.median(r[2] for r in results[name])
        up = statistics.median(r[1] for r in results[name])
        print(f"| {name} | {med:.3f} | {min(ws):.3f} | {max(ws):.3f} | {med / qmed:.2f} | "
              f"{cpu:.2f} | {cpu / qcpu:.2f} | {up:.2f} |")
    print("| minimu in headless Chromium | n/a until the web issue | | | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
