#!/usr/bin/env python3
"""Boot-time benchmark: wall time from process start to the guest's /init banner.

  bench-boot.py [--reps N] [--minimu PATH] [--qemu PATH] [--guest DIR] [--web-site DIR]

Boots the same OpenSBI (Debian's fw_dynamic.bin), kernel and initramfs
(guest/build.sh) on minimu and on qemu-system-riscv64 (TCG), alternating the
two so that host load hits both alike, and prints one markdown table with the
median, min and max of N runs and the ratio to QEMU.  Each run ends as soon as
the banner is seen (SIGKILL: nothing to clean up, and shutdown is not timed).
Also printed: the emulator's host CPU time (user + system, from wait4), which
a loaded machine disturbs much less than wall time, and the guest's own uptime
from the banner.

With --web-site (the site scripts/web-build.sh builds, which carries the same
images), a third row boots the guest in headless Chromium through the page's
embed API (tests/web/boot-bench.mjs), alternating with the other two; its wall
time runs from createMachine() (wasm fetch and compile included) to the banner,
and is compared with minimu native as well as with QEMU.
"""
import json
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


class ChromiumBooter:
    """tests/web/boot-bench.mjs in a child process: one boot per request."""

    def __init__(self, root, site, timeout):
        env = dict(os.environ, MINIMU_WEB_SITE=site)
        self.p = subprocess.Popen(["node", os.path.join(root, "tests", "web", "boot-bench.mjs")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=env)
        self.timeout = timeout
        if not json.loads(self._line()).get("ready"):
            raise RuntimeError("boot-bench.mjs did not start")

    def _line(self):
        r, _, _ = select.select([self.p.stdout], [], [], self.timeout)
        line = self.p.stdout.readline() if r else ""
        if not line:
            self.p.kill()
            raise RuntimeError("boot-bench.mjs: no answer (see its stderr above)")
        return line

    def boot(self):
        self.p.stdin.write("boot\n")
        self.p.stdin.flush()
        r = json.loads(self._line())
        if "error" in r:
            raise RuntimeError("Chromium boot: " + r["error"])
        return r["wall"], r["uptime"] or 0.0, None

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()


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
    ap.add_argument("--web-site", help="built web site (build/web/site): adds the Chromium row")
    a = ap.parse_args()

    common = ["-M", "virt", "-m", "256M", "-nographic", "-bios", FW,
              "-kernel", os.path.join(a.guest, "Image"),
              "-initrd", os.path.join(a.guest, "initramfs.cpio.gz")]
    rows = [("minimu native", [a.minimu] + common),
            ("qemu-system-riscv64 (TCG)", [a.qemu] + common)]
    web = None
    if a.web_site:
        web = ChromiumBooter(root, os.path.abspath(a.web_site), a.timeout)
        rows.append(("minimu in headless Chromium", None))
    results = {name: [] for name, _ in rows}
    for i in range(a.reps):
        for name, argv in rows:
            wall, up, cpu = web.boot() if argv is None else run_once(argv, a.timeout)
            results[name].append((wall, up, cpu))
            cpu_text = "n/a" if cpu is None else f"{cpu:.2f} s"
            print(f"  run {i + 1}/{a.reps} {name}: {wall:.3f} s (guest uptime {up:.2f} s, "
                  f"CPU {cpu_text})",
                  file=sys.stderr, flush=True)
    if web:
        web.close()

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
    for name, argv in rows:
        ws = [r[0] for r in results[name]]
        med = statistics.median(ws)
        up = statistics.median(r[1] for r in results[name])
        if argv is None:  # the browser's CPU time is spread over its processes: not measured
            cpu_cols = "n/a | n/a"
        else:
            cpu = statistics.median(r[2] for r in results[name])
            cpu_cols = f"{cpu:.2f} | {cpu / qcpu:.2f}"
        print(f"| {name} | {med:.3f} | {min(ws):.3f} | {max(ws):.3f} | {med / qmed:.2f} | "
              f"{cpu_cols} | {up:.2f} |")
    if web:
        nmed = statistics.median(r[0] for r in results[rows[0][0]])
        wmed = statistics.median(r[0] for r in results[rows[2][0]])
        print()
        print(f"Chromium / native wall time: {wmed / nmed:.2f}x (aim: <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
