#!/usr/bin/env python3
"""Linux guest test: boot minimu's default guest (guest/build.sh) on a pseudo-terminal.

  linux-test.py MINIMU [GUEST_DIR]

Boots Debian's OpenSBI + the kernel and initramfs from GUEST_DIR (the
MINIMU_GUEST_DIR environment variable wins; default build/guest of the
repository), then at the busybox shell: the /init banner, a controlling tty
(job control), `uname -a` says riscv64, /proc/cpuinfo shows the ISA of our
device tree, and `poweroff` ends minimu with exit status 0.

Exit status 0 on success, 1 on failure, 77 (ctest SKIP_RETURN_CODE) when the
guest images or Debian's OpenSBI are missing.
"""
import os
import re
import select
import subprocess
import sys
import time

FW_DYNAMIC = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
SKIP = 77
TIMEOUT = float(os.environ.get("MINIMU_BOOT_TIMEOUT", "300"))
PROMPT = rb"minimu:[^\r\n]*# $"


def fail(msg):
    print("\nFAIL: " + msg, flush=True)
    sys.exit(1)


class Console:
    def __init__(self, argv):
        self.master, self.slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.buf = b""
        self.log = b""

    def expect(self, pattern, timeout=TIMEOUT):
        """Read until regex @pattern matches; returns the match, consumes up to its end."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                tail = self.buf[-2000:].decode(errors="replace")
                self.proc.kill()
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
                self.log += data

    def command(self, line):
        """Type @line, wait for the next prompt; returns what the command printed."""
        # One byte at a time: the 16550 FIFO is 16 bytes deep.
        for b in line.encode() + b"\r":
            os.write(self.master, bytes([b]))
            time.sleep(0.01)
        m = self.expect(rb"(?s)^(.*?)\r?\n(.*?)" + PROMPT)
        return m.group(2).decode(errors="replace")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    minimu = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    args = [a for a in sys.argv[2:] if not a.startswith("--")]
    guest = os.environ.get("MINIMU_GUEST_DIR") or (args[0] if args else
                                                   os.path.join(here, "..", "..", "build", "guest"))
    kernel = os.path.join(guest, "Image")
    initrd = os.path.join(guest, "initramfs.cpio.gz")
    for p in (kernel, initrd):
        if not os.path.exists(p):
            print(f"SKIP: {p} not built (run guest/build.sh, or set MINIMU_GUEST_DIR)")
            return SKIP
    if not os.path.exists(FW_DYNAMIC):
        print(f"SKIP: {FW_DYNAMIC} missing (apt-get install opensbi)")
        return SKIP

    if "--default" in sys.argv:
        # The README's run path: minimu with no arguments boots this guest.
        os.environ["MINIMU_GUEST_DIR"] = guest
        con = Console([minimu])
    else:
        con = Console([minimu, "-M", "virt", "-m", "256M", "-nographic", "-bios", FW_DYNAMIC,
                       "-kernel", kernel, "-initrd", initrd])
    con.expect(rb"OpenSBI v\d")
    m = con.expect(rb"minimu guest: Linux (\S+) riscv64, up ([0-9.]+)s")
    release = m.group(1).decode()
    con.expect(PROMPT)
    if b"job control turned off" in con.log:
        fail("the shell has no controlling tty (job control turned off)")

    out = con.command("tty")
    if "/dev/ttyS0" not in out:
        fail(f"tty: expected /dev/ttyS0, got {out!r}")

    out = con.command("uname -a")
    if not re.search(r"^Linux minimu " + re.escape(release) + r" .*riscv64", out, re.M):
        fail(f"uname -a: unexpected {out!r}")

    dt_isa = con.command("cat /sys/firmware/devicetree/base/cpus/cpu@0/riscv,isa; echo").strip()
    dt_isa = dt_isa.replace("\x00", "")
    if not dt_isa.startswith("rv64"):
        fail(f"device tree riscv,isa: unexpected {dt_isa!r}")
    out = con.command("cat /proc/cpuinfo")
    m = re.search(r"^isa\s*:\s*(\S+)", out, re.M)
    if not m:
        fail(f"/proc/cpuinfo has no isa line: {out!r}")
    # Linux 6.1 prints the single-letter extensions it understood plus the
    # multi-letter ones it knows: all of them must come from our string.
    base = dt_isa.split("_")[0]
    isa = m.group(1)
    if isa.split("_")[0] != base:
        fail(f"/proc/cpuinfo isa {isa!r} does not match the device tree's {dt_isa!r}")
    for ext in isa.split("_")[1:]:
        if ext not in dt_isa.split("_"):
            fail(f"/proc/cpuinfo isa extension {ext!r} not in the device tree's {dt_isa!r}")
    if not re.search(r"^mmu\s*:\s*sv\d\d", out, re.M):
        fail(f"/proc/cpuinfo has no mmu line: {out!r}")

    for b in b"poweroff\r":
        os.write(con.master, bytes([b]))
        time.sleep(0.01)
    try:
        rc = con.proc.wait(60)
    except subprocess.TimeoutExpired:
        con.proc.kill()
        fail("minimu did not exit after poweroff")
    err = con.proc.stderr.read().decode(errors="replace")
    if rc != 0:
        fail(f"poweroff: exit status {rc} (stderr: {err!r})")
    print(f"\nPASS: linux {release}: banner, tty, uname, cpuinfo isa {isa}, poweroff -> 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
