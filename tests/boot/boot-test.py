#!/usr/bin/env python3
"""Boot tests for minimu: drive the guest console through a pseudo-terminal.

  boot-test.py MINIMU uboot-smode|uboot-mmode   boot U-Boot to "=>", run commands, quit with C-a x
  boot-test.py MINIMU uboot-reset               U-Boot "reset" reboots through OpenSBI, "poweroff" exits 0
  boot-test.py MINIMU sigterm                   SIGTERM at the prompt: exit 143, terminal restored
  boot-test.py MINIMU tcp                       the console on -serial tcp:...,server (which
                                                waits for the client, then shows the whole boot)
  boot-test.py MINIMU tcp-wait                  the wait: no guest before the client connects,
                                                SIGTERM/SIGINT during it exit 143/130 cleanly
  boot-test.py MINIMU tcp-nowait                nowait / wait=off: the guest runs with no client
  boot-test.py MINIMU crash                     SIGABRT at the prompt: terminal restored anyway
  boot-test.py MINIMU finisher                  bare-metal guests (-bios none): UART output, test
                                                finisher pass -> 0, fail code N -> N, ELF -kernel
  boot-test.py MINIMU errors                    bad command lines: exit 1 with one stderr line
  boot-test.py MINIMU dtb                       -dtb FILE gets /chosen set from -append/-initrd
                                                (dumpdtb and guest memory); bad DTBs rejected

Exit status 0 on success, 1 on failure, 77 (ctest SKIP_RETURN_CODE) if the
Debian firmware images (or, for dtb, dtc) are not installed.
"""
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time

FW_DYNAMIC = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
UBOOT_SMODE = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
UBOOT_MMODE = "/usr/lib/u-boot/qemu-riscv64/u-boot.bin"
SKIP = 77
TIMEOUT = float(os.environ.get("MINIMU_BOOT_TIMEOUT", "120"))


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Console:
    def __init__(self, argv):
        self.master, self.slave = os.openpty()
        self.tty_before = termios.tcgetattr(self.slave)
        self.proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.buf = b""

    def expect(self, pattern, timeout=TIMEOUT, send_on=None):
        """Read until regex @pattern matches the output; returns the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            if send_on and send_on[0] in self.buf:
                self.buf = self.buf.replace(send_on[0], b"")
                self.send(send_on[1])
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                tail = self.buf[-2000:].decode(errors="replace")
                fail(f"did not see {pattern!r} (exit={self.proc.poll()}); output tail:\n{tail}")
            r, _, _ = select.select([self.master], [], [], min(left, 1.0))
            if r:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""
                sys.stdout.write(data.decode(errors="replace"))
                sys.stdout.flush()
                self.buf += data

    def send(self, data):
        # One byte at a time: a 16550 FIFO is 16 bytes and the guest polls it.
        for b in data:
            os.write(self.master, bytes([b]))
            time.sleep(0.01)

    def finish(self, timeout=30):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("minimu did not exit after C-a x")
        err = self.proc.stderr.read().decode(errors="replace")
        tty_after = termios.tcgetattr(self.slave)
        return rc, err, tty_after


def boot_uboot(minimu, mode):
    if mode == "uboot-smode":
        images = [FW_DYNAMIC, UBOOT_SMODE]
        argv = [minimu, "-M", "virt", "-m", "256M", "-bios", FW_DYNAMIC, "-kernel", UBOOT_SMODE,
                "-nographic"]
    else:
        images = [UBOOT_MMODE]
        argv = [minimu, "-M", "virt", "-bios", UBOOT_MMODE, "-nographic"]
    if not all(os.path.exists(p) for p in images):
        print("SKIP: Debian images missing: " + ", ".join(images))
        return SKIP
    con = Console(argv)
    if mode == "uboot-smode":
        con.expect(rb"OpenSBI v\d")
        con.expect(rb"Next Mode\s+: S-mode")
    con.expect(rb"U-Boot 20\d\d")
    # Stop autoboot as soon as U-Boot offers it; the prompt comes either way.
    con.expect(rb"=> ", send_on=(b"Hit any key to stop autoboot", b" "))
    con.send(b"version\r")
    con.expect(rb"U-Boot 20\d\d\.\d\d")
    con.expect(rb"=> ")
    con.send(b"help\r")
    con.expect(rb"printenv")
    con.expect(rb"=> ")
    con.send(b"\x01h")
    con.expect(rb"C-a x\s+exit emulator")
    con.send(b"\x01x")
    rc, err, tty_after = con.finish()
    if rc != 0:
        fail(f"exit status {rc} after C-a x (stderr: {err!r})")
    if err.strip():
        fail(f"unexpected stderr: {err!r}")
    if tty_after != con.tty_before:
        fail("terminal state not restored after exit")
    print("\nPASS: " + mode)
    return 0


def smode_prompt(minimu, extra=()):
    if not all(os.path.exists(p) for p in (FW_DYNAMIC, UBOOT_SMODE)):
        print("SKIP: Debian images missing")
        sys.exit(SKIP)
    con = Console([minimu, "-M", "virt", "-m", "256M", "-bios", FW_DYNAMIC, "-kernel",
                   UBOOT_SMODE, "-nographic"] + list(extra))
    con.expect(rb"=> ", send_on=(b"Hit any key to stop autoboot", b" "))
    return con


def uboot_reset(minimu):
    con = smode_prompt(minimu, ["-smp", "2"])
    con.send(b"reset\r")
    con.expect(rb"OpenSBI v\d")  # the reboot went through the MROM and firmware again
    con.expect(rb"Platform HART Count\s+: 2")
    con.expect(rb"=> ", send_on=(b"Hit any key to stop autoboot", b" "))
    con.send(b"poweroff\r")
    rc, err, tty_after = con.finish()
    if rc != 0 or err.strip():
        fail(f"poweroff: exit status {rc}, stderr {err!r}")
    if tty_after != con.tty_before:
        fail("terminal state not restored after poweroff")
    print("\nPASS: uboot-reset")
    return 0


def sigterm(minimu):
    con = smode_prompt(minimu)
    raw = termios.tcgetattr(con.slave)
    if raw == con.tty_before:
        fail("minimu did not put the terminal into raw mode")
    con.proc.terminate()
    rc, err, tty_after = con.finish()
    if rc != 128 + 15:
        fail(f"SIGTERM: exit status {rc}, expected 143 (stderr {err!r})")
    if tty_after != con.tty_before:
        fail("terminal state not restored after SIGTERM")
    print("\nPASS: sigterm")
    return 0


# A few RV64 encodings, enough for the bare-metal finisher guests.
def _lui(rd, imm20):
    return (imm20 << 12) | (rd << 7) | 0x37


def _addi(rd, rs1, imm):
    return ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13


def _sw(rs2, rs1, imm):
    return ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | ((imm & 31) << 7) | 0x23


def _sb(rs2, rs1, imm):
    return ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | ((imm & 31) << 7) | 0x23


J_SELF = 0x0000006f  # j .


def bare_metal(word):
    """Print "hi" on the UART, then write @word to the test finisher."""
    t0, t1 = 5, 6
    hi, lo = (word + 0x800) >> 12, word & 0xfff
    lo = lo - 0x1000 if lo >= 0x800 else lo
    insns = [
        _lui(t0, 0x10000),  # UART0
        _addi(t1, 0, ord("h")), _sb(t1, t0, 0),
        _addi(t1, 0, ord("i")), _sb(t1, t0, 0),
        _addi(t1, 0, ord("\n")), _sb(t1, t0, 0),
        _lui(t0, 0x100),  # test finisher
        _lui(t1, hi & 0xfffff), _addi(t1, t1, lo), _sw(t1, t0, 0),
        J_SELF,
    ]
    return struct.pack("<%dI" % len(insns), *insns)


def elf_wrap(code, addr):
    """A minimal RISC-V ELF64 executable with @code at @addr (entry = addr)."""
    ehdr = struct.pack("<4sBBBB8xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 2, 243, 1, addr, 64, 0,
                       0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 120, addr, addr, len(code), len(code), 0x1000)
    return ehdr + phdr + code


def run_guest(minimu, image_bytes, suffix, extra=()):
    with tempfile.NamedTemporaryFile(suffix=suffix) as img:
        img.write(image_bytes)
        img.flush()
        p = subprocess.run([minimu, "-bios", "none", "-kernel", img.name] + list(extra),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def finisher(minimu):
    rc, out, err = run_guest(minimu, bare_metal(0x5555), ".bin")
    if rc != 0 or out != b"hi\n" or err:
        fail(f"pass: exit {rc}, stdout {out!r}, stderr {err!r}")
    rc, out, err = run_guest(minimu, bare_metal((42 << 16) | 0x3333), ".bin")
    if rc != 42 or out != b"hi\n":
        fail(f"fail code 42: exit {rc}, stdout {out!r}, stderr {err!r}")
    # An ELF kernel without firmware runs in M-mode at its entry (not at 0x80000000).
    rc, out, err = run_guest(minimu, elf_wrap(bare_metal((7 << 16) | 0x3333), 0x80400000), ".elf",
                             ["-m", "64M", "-smp", "2"])
    # Both harts run the guest; the first finisher write ends the run, so the other hart's
    # bytes may or may not have made it out.
    if rc != 7 or not out.startswith(b"h") or set(out) - set(b"hi\n"):
        fail(f"ELF, 2 harts, fail code 7: exit {rc}, stdout {out!r}, stderr {err!r}")
    # Reset with -no-reboot exits 0.
    rc, out, err = run_guest(minimu, bare_metal(0x7777), ".bin", ["-no-reboot"])
    if rc != 0 or out != b"hi\n":
        fail(f"reset with -no-reboot: exit {rc}, stdout {out!r}, stderr {err!r}")
    print("PASS: finisher")
    return 0


def crash(minimu):
    con = smode_prompt(minimu)
    con.proc.send_signal(signal.SIGABRT)  # what abort() on an internal error raises
    rc, err, tty_after = con.finish()
    if rc == 0:
        fail("SIGABRT: exit status 0")
    if tty_after != con.tty_before:
        fail("terminal state not restored after SIGABRT")
    print("\nPASS: crash")
    return 0


def free_port():
    with socket.socket() as probe:  # a free port (the tiny race with other programs is fine)
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def connect(port, proc, deadline):
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                fail(f"cannot connect to port {port} (exit={proc.poll()})")
            time.sleep(0.05)


def read_stderr_line(proc, timeout=30):
    """The first line minimu writes on stderr (the wait message), or fail."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        r, _, _ = select.select([proc.stderr], [], [], max(left, 0))
        if not r:
            fail(f"no stderr line within {timeout}s (got {line!r})")
        c = os.read(proc.stderr.fileno(), 1)
        if not c:
            fail(f"stderr closed (exit={proc.poll()}, got {line!r})")
        line += c
    return line.decode(errors="replace")


WAIT_MSG = "minimu: info: waiting for connection on: disconnected:tcp:127.0.0.1:{},server=on\n"


class SockConsole:
    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf, self.seen = sock, deadline, b"", b""

    def expect(self, pattern, send_on=None):
        rx = re.compile(pattern)
        while not rx.search(self.buf):
            if send_on and send_on[0] in self.buf:
                self.buf = self.buf.replace(send_on[0], b"")
                self.sock.sendall(send_on[1])
            if time.monotonic() > self.deadline:
                fail(f"tcp: did not see {pattern!r}; tail: {self.buf[-500:]!r}")
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                fail(f"tcp: connection closed before {pattern!r}")
            self.buf += data
            self.seen += data
        self.buf = self.buf[rx.search(self.buf).end():]

    def type(self, text):
        for ch in text:
            self.sock.sendall(bytes([ch]))
            time.sleep(0.01)


def tcp_uboot_session(con, proc, port, expected_err):
    con.expect(rb"=> ", send_on=(b"Hit any key to stop autoboot", b" "))
    con.type(b"version\r")
    con.expect(rb"U-Boot 20\d\d\.\d\d")
    con.expect(rb"=> ")
    con.type(b"poweroff\r")
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("tcp: minimu did not exit after poweroff")
    con.sock.close()
    out, err = proc.communicate()
    if rc != 0 or out or err.decode(errors="replace") != expected_err:
        fail(f"tcp: exit {rc}, stdout {out!r}, stderr {err!r}")


def uboot_images_present():
    if not all(os.path.exists(p) for p in (FW_DYNAMIC, UBOOT_SMODE)):
        print("SKIP: Debian images missing")
        return False
    return True


def tcp(minimu):
    """-serial tcp:...,server waits for a client (QEMU's default); then the whole boot shows."""
    if not uboot_images_present():
        return SKIP
    port = free_port()
    proc = subprocess.Popen([minimu, "-m", "256M", "-kernel", UBOOT_SMODE, "-serial",
                             f"tcp:127.0.0.1:{port},server"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    msg = read_stderr_line(proc)
    if msg != WAIT_MSG.format(port):
        fail(f"tcp: wait message {msg!r}")
    deadline = time.monotonic() + TIMEOUT
    con = SockConsole(connect(port, proc, deadline), deadline)
    # Nothing ran before we connected, so nothing was lost: the first bytes are
    # OpenSBI's banner, and U-Boot's banner follows without any prodding.
    con.expect(rb"OpenSBI v\d")
    if con.seen.lstrip()[:7] != b"OpenSBI":
        fail(f"tcp: output before OpenSBI's banner: {con.seen[:200]!r}")
    con.expect(rb"U-Boot 20\d\d")
    tcp_uboot_session(con, proc, port, "")
    print("PASS: tcp")
    return 0


def finisher_guest(minimu, serial, extra=(), **popen):
    """Start the bare-metal "hi" + finisher-pass guest with its UART on @serial."""
    img = tempfile.NamedTemporaryFile(suffix=".bin")
    img.write(bare_metal(0x5555))
    img.flush()
    popen = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE} | popen
    proc = subprocess.Popen([minimu, "-bios", "none", "-kernel", img.name] + list(extra) +
                            ["-serial", serial], stderr=subprocess.PIPE, **popen)
    return img, proc


def tcp_wait(minimu):
    """The wait holds the guest until a client connects; SIGTERM/SIGINT end it cleanly."""
    # A guest that prints "hi" and exits at once: it would be gone in milliseconds if it ran.
    port = free_port()
    img, proc = finisher_guest(minimu, f"tcp:127.0.0.1:{port},server")
    msg = read_stderr_line(proc)
    if msg != WAIT_MSG.format(port):
        fail(f"wait message {msg!r}")
    time.sleep(1.0)
    if proc.poll() is not None:
        fail(f"the guest ran without a client (exit {proc.returncode})")
    deadline = time.monotonic() + TIMEOUT
    sock = connect(port, proc, deadline)
    got = b""
    while True:
        data = sock.recv(4096)
        if not data:
            break
        got += data
    rc = proc.wait(30)
    out, err = proc.communicate()
    img.close()
    if rc != 0 or got != b"hi\n" or out or err:
        fail(f"after connecting: exit {rc}, socket {got!r}, stdout {out!r}, stderr {err!r}")
    print("ok: the guest started when the client connected, and none of its output was lost")

    for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
        port = free_port()
        img, proc = finisher_guest(minimu, f"tcp:127.0.0.1:{port},server")
        read_stderr_line(proc)
        proc.send_signal(sig)
        rc = proc.wait(30)
        out, err = proc.communicate()
        img.close()
        if rc != 128 + sig or out or err:
            fail(f"{name} during the wait: exit {rc}, stdout {out!r}, stderr {err!r}")
        print(f"ok: {name} during the wait -> exit {rc}")

    # With a stdio chardev also open (raw terminal), the terminal is restored after SIGTERM.
    port = free_port()
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    img, proc = finisher_guest(minimu, f"tcp:127.0.0.1:{port},server",
                               extra=["-chardev", "stdio,id=con"], stdin=slave, stdout=slave,
                               start_new_session=True)
    read_stderr_line(proc)
    if termios.tcgetattr(slave) == before:
        fail("the stdio chardev did not put the terminal into raw mode")
    proc.terminate()
    rc = proc.wait(30)
    proc.stderr.close()
    img.close()
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    if rc != 143 or after != before:
        fail(f"stdio + wait, SIGTERM: exit {rc}, terminal restored: {after == before}")
    print("ok: SIGTERM during the wait restores the terminal")
    print("PASS: tcp-wait")
    return 0


def tcp_nowait(minimu):
    """nowait / wait=off: the guest runs with no client; one can connect later."""
    for opts in ("server,nowait", "server=on,wait=off"):
        port = free_port()
        img, proc = finisher_guest(minimu, f"tcp:127.0.0.1:{port},{opts}")
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail(f"{opts}: the guest did not run without a client")
        out, err = proc.communicate()
        img.close()
        if rc != 0 or out or err:
            fail(f"{opts}: exit {rc}, stdout {out!r}, stderr {err!r}")
        print(f"ok: {opts}: the guest ran and passed the finisher with no client")
    if not uboot_images_present():
        return SKIP
    port = free_port()
    proc = subprocess.Popen([minimu, "-m", "256M", "-kernel", UBOOT_SMODE, "-serial",
                             f"tcp:127.0.0.1:{port},server,nowait"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT
    con = SockConsole(connect(port, proc, deadline), deadline)
    # The guest may have printed before we connected; that output is gone, so
    # re-trigger the prompt with an empty line if needed.
    con.sock.sendall(b"\r")
    tcp_uboot_session(con, proc, port, "")
    print("PASS: tcp-nowait")
    return 0


def run_error(minimu, args, expect):
    p = subprocess.run([minimu] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    err = p.stderr.decode(errors="replace")
    lines = err.splitlines()
    if p.returncode != 1:
        fail(f"{args}: exit status {p.returncode}, expected 1 (stderr {err!r})")
    if len(lines) != 1 or not lines[0].startswith("minimu: ") or expect not in lines[0]:
        fail(f"{args}: expected one 'minimu: ...{expect}...' line, got {err!r}")
    print(f"ok: {args} -> {lines[0]}")


def errors(minimu):
    run_error(minimu, ["-frobnicate"], "unknown option")
    run_error(minimu, ["-m", "12Q"], "'12Q' is not a size")
    run_error(minimu, ["-M", "pc"], "unsupported machine")
    run_error(minimu, ["-kernel", "/nonexistent/Image"], "/nonexistent/Image")
    run_error(minimu, ["-bios", "/nonexistent/fw.bin"], "/nonexistent/fw.bin")
    run_error(minimu, ["-bios", "none", "-kernel", "/bin/true"], "not RISC-V")
    run_error(minimu, ["-smp", "0"], "-smp")
    run_error(minimu, ["-kernel"], "needs an argument")
    with tempfile.NamedTemporaryFile(suffix=".bin") as big:
        big.truncate(200 << 20)  # sparse: larger than 128 MiB of RAM, costs no disk
        big.flush()
        run_error(minimu, ["-bios", "none", "-m", "128M", "-kernel", big.name], "does not fit")
    p = subprocess.run([minimu, "--version"], capture_output=True, timeout=30)
    if p.returncode != 0 or b"minimu" not in p.stdout:
        fail("--version")
    p = subprocess.run([minimu, "--help"], capture_output=True, timeout=30)
    if p.returncode != 0 or b"-kernel" not in p.stdout:
        fail("--help")
    print("PASS: errors")
    return 0


def _lbu(rd, rs1, imm):
    return ((imm & 0xfff) << 20) | (rs1 << 15) | (4 << 12) | (rd << 7) | 0x03


def _bne(rs1, rs2, off):
    o = off & 0x1fff
    return (((o >> 12) & 1) << 31) | (((o >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | \
        (1 << 12) | (((o >> 1) & 0xf) << 8) | (((o >> 11) & 1) << 7) | 0x63


def dtb_dumper(nbytes):
    """Copy @nbytes from the device tree (a1 at entry) to the UART, then pass the finisher."""
    t0, t1, t2, a1 = 5, 6, 7, 11
    hi, lo = (nbytes + 0x800) >> 12, nbytes & 0xfff
    lo = lo - 0x1000 if lo >= 0x800 else lo
    insns = [
        _lui(t0, 0x10000),
        _lui(t2, hi & 0xfffff), _addi(t2, t2, lo),
        _lbu(t1, a1, 0), _sb(t1, t0, 0), _addi(a1, a1, 1), _addi(t2, t2, -1),
        _bne(t2, 0, -16),
        _lui(t0, 0x100), _lui(t1, 0x5), _addi(t1, t1, 0x555), _sw(t1, t0, 0),
        J_SELF,
    ]
    return struct.pack("<%dI" % len(insns), *insns)


def dtc(args, data=None):
    p = subprocess.run(["dtc", "-q"] + args, input=data, capture_output=True, timeout=60)
    if p.returncode != 0:
        fail(f"dtc {args}: {p.stderr!r}")
    return p.stdout


DTB_WITH_CHOSEN = b"""/dts-v1/;
/ {
    #address-cells = <2>;
    #size-cells = <2>;
    compatible = "test";
    chosen {
        bootargs = "old";
        foo = "bar";
    };
    memory@80000000 {
        device_type = "memory";
        reg = <0x0 0x80000000 0x0 0x8000000>;
    };
};
"""


def dtb(minimu):
    """-dtb FILE: /chosen gets bootargs and the initrd, as QEMU does; dumpdtb shows the result."""
    try:
        subprocess.run(["dtc", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        print("SKIP: dtc not installed")
        return SKIP
    with tempfile.TemporaryDirectory() as d:
        kernel, initrd = os.path.join(d, "k.bin"), os.path.join(d, "initrd")
        with open(kernel, "wb") as f:
            f.write(bare_metal(0x5555))
        with open(initrd, "wb") as f:
            f.write(b"initrd-data\n")  # 12 bytes
        boot = ["-bios", "none", "-m", "128M", "-kernel", kernel, "-initrd", initrd,
                "-append", "x=y"]
        for name, src in (("chosen", DTB_WITH_CHOSEN),
                          ("no-chosen", DTB_WITH_CHOSEN.replace(
                              b'chosen {\n        bootargs = "old";\n        foo = "bar";\n'
                              b'    };\n', b""))):
            in_dtb, out_dtb = os.path.join(d, name + ".dtb"), os.path.join(d, name + "-out.dtb")
            dtc(["-I", "dts", "-O", "dtb", "-o", in_dtb], src)
            p = subprocess.run([minimu, "-M", "virt,dumpdtb=" + out_dtb, "-dtb", in_dtb] + boot,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            if p.returncode != 0 or p.stderr:
                fail(f"{name}: dumpdtb exit {p.returncode}, stderr {p.stderr!r}")
            dts = dtc(["-I", "dtb", "-O", "dts", out_dtb]).decode()
            want = ['bootargs = "x=y";', "linux,initrd-start = <0x00 0x84000000>;",
                    "linux,initrd-end = <0x00 0x8400000c>;", 'reg = <0x00 0x80000000 0x00 '
                    '0x8000000>;', 'compatible = "test";']
            if name == "chosen":
                want.append('foo = "bar";')
            for line in want:
                if line not in dts:
                    fail(f"{name}: {line!r} missing from the dumped tree:\n{dts}")
            if "old" in dts or "stdout-path" in dts:
                fail(f"{name}: stale bootargs or an added stdout-path:\n{dts}")
            print(f"ok: {name}: dumped tree has the patched /chosen")

            # The guest gets the same bytes at a1.
            with open(out_dtb, "rb") as f:
                dumped = f.read()
            with open(kernel, "wb") as f:
                f.write(dtb_dumper(len(dumped)))
            p = subprocess.run([minimu, "-dtb", in_dtb] + boot, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=60)
            with open(kernel, "wb") as f:
                f.write(bare_metal(0x5555))
            if p.returncode != 0 or p.stdout != dumped:
                fail(f"{name}: guest saw {len(p.stdout)} bytes, dumped {len(dumped)}, exit "
                     f"{p.returncode}, stderr {p.stderr!r}")
            print(f"ok: {name}: the guest reads the dumped tree at a1")

        # Malformed files: one error line, exit 1.
        with open(os.path.join(d, "chosen.dtb"), "rb") as f:
            good = f.read()
        bad = os.path.join(d, "bad.dtb")
        for what, data in (("truncated", good[:len(good) - 1]),
                           ("bad magic", b"\0" + good[1:]),
                           ("strings block", good[:12] + struct.pack(">I", 0xfffffff0) +
                            good[16:])):
            with open(bad, "wb") as f:
                f.write(data)
            run_error(minimu, ["-dtb", bad] + boot, what)
    print("PASS: dtb")
    return 0


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    minimu, mode = sys.argv[1], sys.argv[2]
    if mode in ("uboot-smode", "uboot-mmode"):
        return boot_uboot(minimu, mode)
    if mode == "errors":
        return errors(minimu)
    if mode == "dtb":
        return dtb(minimu)
    if mode == "uboot-reset":
        return uboot_reset(minimu)
    if mode == "sigterm":
        return sigterm(minimu)
    if mode == "tcp":
        return tcp(minimu)
    if mode == "tcp-wait":
        return tcp_wait(minimu)
    if mode == "tcp-nowait":
        return tcp_nowait(minimu)
    if mode == "crash":
        return crash(minimu)
    if mode == "finisher":
        return finisher(minimu)
    print("unknown mode " + mode)
    return 2


if __name__ == "__main__":
    sys.exit(main())
