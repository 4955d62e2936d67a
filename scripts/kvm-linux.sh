#!/bin/sh
# kvm-linux.sh - Debian's Linux kernel and a busybox initramfs on the microvm board under KVM.
#
#   kvm-linux.sh prepare DIR          download (apt-get download, Debian's archive only) and
#                                     unpack linux-image-amd64's kernel and busybox-static into
#                                     DIR, build DIR/initramfs.cpio.gz; prints the two paths
#   kvm-linux.sh test MINIMU DIR      prepare, boot it (ctest guest/x86-linux): wait for the
#                                     /init marker, send an echo through the console, expect
#                                     the shell's answer, then the guest reboots (reboot=k) and
#                                     minimu, run with -no-reboot, exits 0
#
# The initramfs: busybox (static), /init (a busybox sh script: mounts, loads the virtio
# modules Debian keeps as modules - virtio, virtio_ring, virtio_mmio - prints the marker,
# runs one command line read from the console, reboots), and those modules.
#
# kvm_pvm (this project's CI, see docs/kvm.md) cannot run an unmodified kernel: there the
# test runs as far as the host allows (bounded by BOOT_TIMEOUT, default 60 s) and exits 77
# (ctest: skipped) with the reason - minimu's host-limit report or the last console line.
# Exit 77 as well without /dev/kvm, or when the packages cannot be downloaded.
set -u
MARKER="MINIMU-LINUX-INIT-OK"
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}

skip() {
    echo "SKIPPED: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    exit 1
}

prepare() {
    dir=$1
    mkdir -p "$dir/deb" || return 1
    (
        cd "$dir/deb" || exit 1
        if ! ls linux-image-amd64_*.deb >/dev/null 2>&1; then
            apt-get download linux-image-amd64 >/dev/null || exit 1
        fi
        # linux-image-amd64 is a metapackage: the kernel is its dependency linux-image-6.1.*-amd64.
        dep=$(dpkg-deb -f linux-image-amd64_*.deb Depends | sed -n 's/^\(linux-image-[^ ,]*\).*/\1/p')
        [ -n "$dep" ] || exit 1
        if ! ls "$dep"_*.deb >/dev/null 2>&1; then
            apt-get download "$dep" >/dev/null || exit 1
        fi
        if ! ls busybox-static_*.deb >/dev/null 2>&1; then
            apt-get download busybox-static >/dev/null || exit 1
        fi
        if [ ! -d root ]; then
            rm -rf root.tmp && mkdir root.tmp &&
                dpkg-deb -x "$dep"_*.deb root.tmp && dpkg-deb -x busybox-static_*.deb root.tmp &&
                mv root.tmp root || exit 1
        fi
    ) || return 1
    root=$dir/deb/root
    kernel=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [ -n "$kernel" ] || return 1
    cp "$kernel" "$dir/bzImage" || return 1
    mods=$(ls -d "$root"/lib/modules/* | head -n 1)/kernel/drivers/virtio

    rm -rf "$dir/initramfs" && mkdir -p "$dir/initramfs/bin" "$dir/initramfs/lib/modules" \
        "$dir/initramfs/proc" "$dir/initramfs/sys" "$dir/initramfs/dev" || return 1
    cp "$root/bin/busybox" "$dir/initramfs/bin/busybox" || return 1
    for m in virtio virtio_ring virtio_mmio; do
        cp "$mods/$m.ko" "$dir/initramfs/lib/modules/" || return 1
    done
    cat >"$dir/initramfs/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in virtio virtio_ring virtio_mmio; do
    insmod /lib/modules/\$m.ko 2>/dev/null || echo "init: insmod \$m failed"
done
echo "init: \$(cat /proc/cmdline)"
echo "$MARKER \$(uname -r)"
read -r line
eval "\$line"
echo "init: done, rebooting"
reboot -f
EOF
    chmod +x "$dir/initramfs/init" || return 1
    (cd "$dir/initramfs" && find . | cpio -o -H newc --quiet | gzip -9) >"$dir/initramfs.cpio.gz" ||
        return 1
    echo "$dir/bzImage"
    echo "$dir/initramfs.cpio.gz"
}

run_test() {
    runner=$1 dir=$2
    if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
        skip "/dev/kvm is missing or not accessible (Linux under KVM needs it)"
    fi
    prepare "$dir" >/dev/null || skip "cannot download or unpack Debian's linux-image-amd64 / busybox-static (apt-get download)"
    pvm=0
    [ -e /sys/module/kvm_pvm ] && pvm=1

    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkfifo "$work/in"
    # The console: our fifo in, a file out.  The fifo stays open (fd 9) until we are done.
    timeout "$BOOT_TIMEOUT" "$runner" -M microvm -accel kvm -m 256 -smp 1 -serial stdio \
        -no-reboot -kernel "$dir/bzImage" -initrd "$dir/initramfs.cpio.gz" \
        -append "console=ttyS0 reboot=k panic=-1 i8042.noaux i8042.nokbd" \
        <"$work/in" >"$work/out" 2>"$work/err" &
    pid=$!
    exec 9>"$work/in"
    t=0 sent=0
    while kill -0 $pid 2>/dev/null; do
        if [ $sent -eq 0 ] && grep -q "$MARKER" "$work/out"; then
            echo 'echo "round trip $((6 * 7))"' >&9
            sent=1
        fi
        if [ $sent -eq 1 ] && grep -q "round trip 42" "$work/out"; then
            sent=2
        fi
        sleep 0.2
        t=$((t + 1))
    done
    wait $pid
    status=$?
    exec 9>&-
    tail -n 40 "$work/out"
    cat "$work/err" >&2
    echo "exit status: $status"
    grep -q "round trip 42" "$work/out" && sent=2

    if [ $sent -eq 2 ] && [ $status -eq 0 ]; then
        echo "PASS: Linux reached /init and answered the echo"
        exit 0
    fi
    if [ $pvm -eq 1 ]; then
        why=$(grep -m1 "host limit" "$work/err")
        [ -n "$why" ] || why=$(grep -m1 "stopped:" "$work/err")
        [ -n "$why" ] || [ $status -ne 124 ] || why="no /init marker within ${BOOT_TIMEOUT} s"
        [ -n "$why" ] || why="exit status $status"
        last=$(tr -d '\r' <"$work/out" | grep -v '^$' | tail -n 1)
        skip "kvm_pvm cannot run an unmodified Linux kernel (docs/kvm.md): $why; last console line: ${last:-none}"
    fi
    [ $sent -ge 1 ] || fail "no /init marker (exit status $status)"
    fail "no answer to the echo, or exit status $status"
}

case ${1:-} in
prepare) [ $# -eq 2 ] || fail "usage: $0 prepare DIR"; prepare "$2" || fail "prepare failed" ;;
test) [ $# -eq 3 ] || fail "usage: $0 test MINIMU DIR"; run_test "$2" "$3" ;;
*) fail "usage: $0 prepare DIR | test MINIMU DIR" ;;
esac
