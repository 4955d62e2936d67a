#!/usr/bin/env python3
"""bench-kvm.py - minimu's KVM path against QEMU's microvm, same images, same run.

Run by scripts/bench-kvm.sh (which builds everything); prints one markdown table.

Measured, medians over --reps runs, the two VMMs interleaved:
  * wall time from exec to the tutorial kernel's first line on the console and
    to the process's exit (the kernel powers off through port 0x501: minimu's
    power-off port, QEMU's isa-debug-exit);
  * wall time to the first guest instruction: a guest that powers off at its
    first instruction (exit-now.elf for minimu; exit-bios.bin as QEMU's -bios,
    i.e. QEMU without its firmware), so "QEMU first line - QEMU exit-bios"
    is what qboot (and the kernel's real-mode setup) cost on this host;
  * minimu's CPU time (user + sys, from wait4) for the exit-now guest: an
    upper bound of its CPU time to the first guest instruction;
  * minimu's RSS beyond guest RAM: /proc/PID/smaps sampled while the tutorial
    kernel runs, total Rss minus the Rss of the guest-RAM mapping;
  * doorbell-to-IOThread latency, host side: with perf, the host kernel's
    kvm:kvm_pio tracepoint for the guest's write to port 0x510 (KVM signals the
    ioeventfd right after it) against the IOThread "doorbell"'s read() of the
    eventfd (syscalls:sys_enter_read), both kernel timestamps on one clock.
"""
import argparse
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time

FIRST_LINE = b"tutorial: x86-64 kernel entered"


def run_console(argv, marker=FIRST_LINE, sample_rss_of=None, timeout=120):
    """Run argv; return dict(first, exit, status, out, rss) with times in seconds."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    os.set_blocking(p.stdout.fileno(), False)
    out, first, rss = b"", None, None
    fds = [p.stdout, p.stderr]
    err = b""
    next_sample = t0
    while fds and time.monotonic() - t0 < timeout:
        r, _, _ = select.select(fds, [], [], 0.02)
        for f in r:
            data = os.read(f.fileno(), 65536)
            if not data:
                fds.remove(f)
            elif f is p.stdout:
                out += data
                if first is None and marker in out:
                    first = time.monotonic() - t0
            else:
                err += data
        if sample_rss_of and first is not None and time.monotonic() >= next_sample:
            s = sample_rss(p.pid, sample_rss_of)
            if s and (rss is None or s[0] > rss[0]):
                rss = s
            next_sample = time.monotonic() + 0.05
    try:
        status = p.wait(timeout=max(1, timeout - (time.monotonic() - t0)))
    except subprocess.TimeoutExpired:
        p.kill()
        status = p.wait()
    return {"first": first, "exit": time.monotonic() - t0, "status": status, "out": out,
            "err": err, "rss": rss}


def sample_rss(pid, ram_bytes):
    """(total Rss, guest-RAM Rss) in KiB from /proc/PID/smaps, or None."""
    try:
        with open("/proc/%d/smaps" % pid) as f:
            text = f.read()
    except OSError:
        return None
    total = guest = 0
    size = None
    for line in text.splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            a, b = line.split()[0].split("-")
            size = int(b, 16) - int(a, 16)
        elif line.startswith("Rss:"):
            kb = int(line.split()[1])
            total += kb
            if size == ram_bytes:
                guest += kb
    return (total, guest) if total else None


def cpu_time(argv):
    """User + system CPU seconds of argv (wait4 rusage) and its status."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, st, ru = os.wait4(p.pid, 0)
    return ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(st)


def doorbell_latency(argv):
    """Per-doorbell µs from kvm_pio(0x510) to the IOThread's read(), or (None, reason)."""
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "perf.data")
        r = subprocess.run(["perf", "record", "-q", "-o", data, "-e", "kvm:kvm_pio", "-e",
                            "syscalls:sys_enter_read", "--"] + argv,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if r.returncode != 0 or not os.path.exists(data):
            return None, "perf record failed: " + r.stderr.decode(errors="replace")[-200:]
        s = subprocess.run(["perf", "script", "-i", data], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    lat, pending = [], None
    ev = re.compile(r"^\s*(.+?)\s+\d+\s+\[\d+\]\s+([\d.]+):\s+(\S+):\s*(.*)$")
    for line in s.splitlines():
        m = ev.match(line)
        if not m:
            continue
        comm, ts, name, rest = m.group(1), float(m.group(2)), m.group(3), m.group(4)
        if name == "kvm:kvm_pio" and "pio_write at 0x510 " in rest:
            pending = ts
        elif name == "syscalls:sys_enter_read" and comm == "doorbell" and pending is not None:
            lat.append((ts - pending) * 1e6)
            pending = None
    if not lat:
        return None, "no kvm_pio/read pairs in the trace"
    return lat, None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minimu", required=True)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--exit-elf", required=True)
    ap.add_argument("--exit-bios", required=True)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--mem", type=int, default=128)
    a = ap.parse_args()

    mem = a.mem
    minimu = [a.minimu, "-M", "microvm", "-accel", "kvm", "-m", str(mem), "-smp", "2",
              "-serial", "stdio"]
    qemu = [a.qemu, "-M", "microvm,x-option-roms=off,rtc=off", "-accel", "kvm", "-cpu", "host",
            "-m", str(mem), "-smp", "2", "-nodefaults", "-no-user-config", "-display", "none",
            "-serial", "stdio", "-device", "isa-debug-exit,iobase=0x501,iosize=1"]
    boot = ["-kernel", a.kernel, "-initrd", a.initrd]
    # The same guest work on both: "tutorial.qemu" skips the doorbell (a minimu device).
    m_tut = minimu + boot + ["-append", "console=ttyS0 tutorial.mem=%d tutorial.qemu" % mem]
    q_tut = qemu + boot + ["-append", "console=ttyS0 tutorial.mem=%d tutorial.qemu" % mem]
    m_now = minimu + ["-kernel", a.exit_elf]
    q_now = qemu + ["-bios", a.exit_bios]

    res = {k: [] for k in ("m_first", "m_exit", "q_first", "q_exit", "m_now", "q_now", "m_cpu")}
    rss = []
    notes = []
    for i in range(a.reps):
        r = run_console(m_tut, sample_rss_of=mem << 20)
        if r["status"] != 0:
            notes.append("minimu run %d: status %d" % (i, r["status"]))
        res["m_first"].append(r["first"])
        res["m_exit"].append(r["exit"])
        if r["rss"]:
            rss.append(r["rss"])
        r = run_console(q_tut)
        # isa-debug-exit: status (v << 1) | 1; the tutorial's v is its failed-check count.
        if r["status"] != 1:
            notes.append("QEMU run %d: status %d (guest status %d)" %
                         (i, r["status"], r["status"] >> 1))
        if i == 0 and b"FAIL" in r["out"]:
            notes.append("QEMU: " + "; ".join(
                l.decode(errors="replace").strip() for l in r["out"].splitlines()
                if l.startswith(b"FAIL")))
        res["q_first"].append(r["first"])
        res["q_exit"].append(r["exit"])
        res["m_now"].append(run_console(m_now, marker=b"\0")["exit"])
        res["q_now"].append(run_console(q_now, marker=b"\0")["exit"])
        c, st = cpu_time(m_now)
        res["m_cpu"].append(c)

    lat, why = doorbell_latency(minimu[:-2] + ["-serial", "null"] + boot +
                                ["-append", "tutorial.mem=%d" % mem])

    ms = lambda x: "%.1f ms" % (x * 1e3)
    mf, mx, qf, qx = (med(res[k]) for k in ("m_first", "m_exit", "q_first", "q_exit"))
    mn, qn = med(res["m_now"]), med(res["q_now"])
    print("| measure (median of %d, -m %d -smp 2) | minimu | QEMU microvm | minimu / QEMU |"
          % (a.reps, mem))
    print("|---|---|---|---|")
    print("| start to the tutorial kernel's first line | %s | %s | %.2f |" %
          (ms(mf), ms(qf), mf / qf))
    print("| start to exit (all checks, CPL3 loop, power-off) | %s | %s | %.2f |" %
          (ms(mx), ms(qx), mx / qx))
    print("| start to exit of a guest that exits at its first instruction | %s | %s (-bios, "
          "no qboot) | %.2f |" % (ms(mn), ms(qn), mn / qn))
    print("| QEMU: qboot + the kernel's real-mode setup (first line - exit-bios) | - | "
          "%s (%.0f%% of its time to the first line) | - |" % (ms(qf - qn), 100 * (qf - qn) / qf))
    print("| minimu CPU time (user+sys) for the exit-now guest, an upper bound to the first "
          "guest instruction | %s | - | - |" % ms(med(res["m_cpu"])))
    if rss:
        tot = max(r[0] for r in rss)
        g = max(r[1] for r in rss)
        extra = statistics.median(r[0] - r[1] for r in rss)
        print("| minimu RSS beyond guest RAM (smaps while running; guest RAM touched %d KiB) "
              "| %d KiB | - | - |" % (g, extra))
    if lat:
        lat.sort()
        print("| doorbell to IOThread, host side (kvm_pio 0x510 -> IOThread read(), %d rings) "
              "| median %.1f µs, p10 %.1f, p90 %.1f | - | - |" %
              (len(lat), statistics.median(lat), lat[len(lat) // 10], lat[len(lat) * 9 // 10]))
    else:
        print("| doorbell to IOThread, host side | not measured: %s | - | - |" % why)
    for n in notes:
        print("\nnote: " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
