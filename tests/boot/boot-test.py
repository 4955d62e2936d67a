#!/usr/bin/env python3
"""Boot tests for minimu: drive the guest console through a pseudo-terminal.

  boot-test.py MINIMU uboot-smode|uboot-mmode   boot U-Boot to "=>", run commands, quit with C-a x
  boot-test.py MINIMU errors                    bad command lines: exit 1 with one stderr line

Exit status 0 on success, 1 on failure, 77 (ctest SKIP_RETURN_CODE) if the
Debian firmware images are not installed.
"""
import os
import re
import select
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


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    minimu, mode = sys.argv[1], sys.argv[2]
    if mode in ("uboot-smode", "uboot-mmode"):
        return boot_uboot(minimu, mode)
    if mode == "errors":
        return errors(minimu)
    print("unknown mode " + mode)
    return 2


if __name__ == "__main__":
    sys.exit(main())
