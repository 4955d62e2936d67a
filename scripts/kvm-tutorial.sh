#!/bin/sh
# kvm-tutorial.sh - run the x86-64 tutorial kernel on the microvm board under
# KVM and check the result (ctest: guest/x86-tutorial-<mode>).
#
#   kvm-tutorial.sh RUNNER BZIMAGE INITRD MODE
#
# RUNNER is the minimu executable (run as minimu -M microvm -accel kvm); MODE is one of
#   run        every check passes, exit status 0, the doorbell never exits to userspace
#   crash      the guest triple-faults: register dump, non-zero exit
#   rdtscp     rdtscp at CPL0: on kvm_pvm a "host limit" report with the
#              instruction bytes and a non-zero exit; elsewhere it just runs
#   bad-image  a text file as -kernel: the "neither a bzImage nor ... ELF" error, exit 1
#   reboot     the guest resets through 0x64, then 0xcf9: minimu reboots it in place twice
#              (RAM kept, images reloaded), the third boot powers off with status 0
#   no-reboot  the same guest with -no-reboot: minimu exits 0 at the first reset
# Exit 77 (ctest: skipped) where /dev/kvm is missing or not accessible.
set -u
runner=$1 kernel=$2 initrd=$3 mode=$4

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    echo "SKIP: /dev/kvm is missing or not accessible (KVM guests need it)"
    exit 77
fi
if [ -e /sys/module/kvm_pvm ]; then
    echo "note: kvm_pvm detected: CPL0 guest code runs through KVM's instruction emulator"
    pvm=1
else
    pvm=0
fi

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
noreboot=-no-reboot
run() {
    timeout 100 "$runner" -M microvm -accel kvm -m 128 -smp 2 -serial stdio $noreboot -stats "$@" >"$out" 2>"$err" </dev/null
    status=$?
    cat "$out"
    cat "$err" >&2
    echo "exit status: $status"
}
fail() {
    echo "FAIL: $*"
    exit 1
}

case $mode in
run)
    run -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 tutorial.mem=128"
    [ $status -eq 0 ] || fail "exit status $status"
    grep -q "tutorial: all checks passed" "$out" || fail "missing 'all checks passed'"
    grep -q "doorbells answered 200 (0 via a userspace exit)" "$err" ||
        fail "doorbell went through a userspace exit"
    ;;
crash)
    run -kernel "$kernel" -initrd "$initrd" -append "tutorial.mem=128 tutorial.crash"
    [ $status -ne 0 ] || fail "a triple fault must give a non-zero exit"
    grep -q "shutdown (triple fault)" "$err" || fail "no shutdown report"
    grep -q "^RIP=" "$err" || fail "no register dump"
    ;;
rdtscp)
    run -kernel "$kernel" -initrd "$initrd" -append "tutorial.mem=128 tutorial.rdtscp"
    if [ $pvm -eq 1 ]; then
        [ $status -ne 0 ] || fail "expected a host-limit stop on kvm_pvm"
        grep -q "host limit.*bytes: 0f 01 f9" "$err" || fail "no host-limit report with the bytes"
    else
        [ $status -eq 0 ] || fail "exit status $status"
        grep -q "rdtscp ran" "$out" || fail "rdtscp did not run"
    fi
    ;;
reboot)
    noreboot=
    run -kernel "$kernel" -initrd "$initrd" -append "tutorial.mem=128 tutorial.reboot"
    [ $status -eq 0 ] || fail "exit status $status"
    for n in 1 2 3; do
        grep -q "tutorial: boot $n" "$out" || fail "no boot $n"
    done
    grep -q "rebooted twice, powering off" "$out" || fail "the third boot did not power off"
    grep -q "reboots 2" "$err" || fail "minimu did not count two reboots"
    ;;
no-reboot)
    run -kernel "$kernel" -initrd "$initrd" -append "tutorial.mem=128 tutorial.reboot"
    [ $status -eq 0 ] || fail "exit status $status"
    grep -q "tutorial: boot 1" "$out" || fail "no boot 1"
    ! grep -q "tutorial: boot 2" "$out" || fail "rebooted despite -no-reboot"
    ;;
bad-image)
    run -kernel "$initrd"
    [ $status -eq 1 ] || fail "exit status $status, expected 1"
    grep -q "neither a bzImage" "$err" || fail "no clear error for a bad image"
    [ "$(wc -l <"$err")" -eq 1 ] || fail "expected exactly one error line"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
echo "PASS: $mode"
