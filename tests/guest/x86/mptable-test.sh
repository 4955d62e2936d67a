#!/bin/sh
# mptable-test.sh - boot the x86-64 tutorial kernel on the microvm board with -smp NCPUS and
# "tutorial.mptable": it finds minimu's MP table the way Linux does (the "_MP_" floating
# pointer in the last KiB of base memory or the BIOS area), checks both checksums and the
# entries, prints "mptable: N cpus, ioapic 0xfec00000, ..." and powers off with the number
# of failed checks (ctest: guest/x86-mptable-smp<N>).
#
#   mptable-test.sh RUNNER BZIMAGE INITRD NCPUS
#
# Exit 77 (ctest: skipped) where /dev/kvm is missing or not accessible.
set -u
runner=$1 kernel=$2 initrd=$3 ncpus=$4

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    echo "SKIP: /dev/kvm is missing or not accessible (KVM guests need it)"
    exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 100 "$runner" -M microvm -accel kvm -m 128 -smp "$ncpus" -serial stdio \
    -no-reboot -kernel "$kernel" -initrd "$initrd" -append "tutorial.mem=128 tutorial.mptable" \
    >"$out" </dev/null
status=$?
cat "$out"
echo "exit status: $status"
[ "$ncpus" -eq 1 ] && want="mptable: 1 cpu, ioapic 0xfec00000" ||
    want="mptable: $ncpus cpus, ioapic 0xfec00000"
grep -q "^$want," "$out" || { echo "FAIL: no '$want' line"; exit 1; }
grep -q "^FAIL" "$out" && { echo "FAIL: a check failed"; exit 1; }
[ $status -eq 0 ] || { echo "FAIL: exit status $status"; exit 1; }
echo "PASS: -smp $ncpus"
