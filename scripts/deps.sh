#!/usr/bin/env bash
# deps.sh GROUP... - install the Debian packages minimu needs, only those missing.
#
# Groups: build (compilers, libraries), test (cmocka, cross compiler, firmware,
# reference tools), bench (GLib, QEMU for side-by-side runs), guest (firmware
# images for the default guest).  Runs apt-get only when something is missing,
# so a second run costs a dpkg query.
set -euo pipefail

declare -A GROUP=(
    [build]="cmake ninja-build gcc pkg-config libuv1-dev"
    [test]="libcmocka-dev python3 gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf device-tree-compiler opensbi u-boot-qemu"
    [guest]="opensbi u-boot-qemu"
    [bench]="libglib2.0-dev qemu-system-misc bc"
)

want=()
for g in "$@"; do
    [ -n "${GROUP[$g]:-}" ] || { echo "deps.sh: unknown group '$g'" >&2; exit 1; }
    want+=(${GROUP[$g]})
done

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Progress is visible: apt prints one line per package.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
