#!/usr/bin/env bash
# guest/build.sh [--force] - build minimu's default guest from Debian sources.
#
# Produces, in $MINIMU_GUEST_DIR (default build/guest/ of the repository):
#   Image               riscv64 Linux from linux-source-6.1, tinyconfig + guest/linux.config
#   initramfs.cpio.gz   a static busybox from Debian's busybox source package, guest/init,
#                       guest/inittab, guest/profile
#   Image.key, initramfs.key   the hash each artefact was built from
#
# Each artefact is keyed by a hash of its inputs (config, scripts, package
# versions, cross compiler version) and rebuilt only when that hash changes;
# a second run with nothing changed costs a few dpkg queries.  Missing Debian
# packages are installed with apt-get (a deb-src entry for bookworm main is
# added if the busybox source is not available).  Logs of the long steps are
# kept next to the images (linux-build.log, busybox-build.log).
#
# Environment: MINIMU_GUEST_DIR (output directory), JOBS (parallel jobs,
# default: number of CPUs).
set -euo pipefail

GUEST_SRC=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$GUEST_SRC/.." && pwd)
OUT=${MINIMU_GUEST_DIR:-$ROOT/build/guest}
JOBS=${JOBS:-$(nproc)}
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

LINUX_PKG=linux-source-6.1
CROSS=riscv64-linux-gnu-
PACKAGES="$LINUX_PKG gcc-riscv64-linux-gnu libc6-dev-riscv64-cross make bc flex bison cpio
          xz-utils gzip dpkg-dev"

say() { printf '[guest] %s\n' "$*" >&2; }
die() { printf '[guest] error: %s\n' "$*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# ---- Debian packages --------------------------------------------------------------------------

install_missing() {
    local missing=()
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Debian's busybox source comes through `apt-get source`, which needs a deb-src line.
ensure_deb_src() {
    if apt-cache showsrc busybox 2>/dev/null | grep -q '^Version:'; then
        return 0
    fi
    say "adding a deb-src entry for bookworm main (/etc/apt/sources.list.d/minimu-bookworm-src.sources)"
    printf '%s\n' "Types: deb-src" "URIs: http://deb.debian.org/debian" "Suites: bookworm" \
        "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
        $SUDO tee /etc/apt/sources.list.d/minimu-bookworm-src.sources >/dev/null
    $SUDO apt-get update -q
    apt-cache showsrc busybox 2>/dev/null | grep -q '^Version:' || die "no busybox source package"
}

# ---- helpers ----------------------------------------------------------------------------------

# progress LOG LABEL: copy stdin to LOG, show one status line (a counter and the last step).
progress() {
    local log=$1 label=$2
    if [ -t 1 ]; then
        awk -v label="$label" -v logf="$log" '
            { print > logf; n++ }
            /^  [A-Z]/ && n % 10 == 0 { s = $0; sub(/^ +/, "", s); printf "\r\033[K  %s: %5d  %s", label, n, substr(s, 1, 60); fflush() }
            END { printf "\r\033[K  %s: %d lines, log in %s\n", label, n, logf }'
    else
        awk -v label="$label" -v logf="$log" '
            { print > logf; n++ }
            n % 250 == 0 { printf "  %s: %d lines\n", label, n; fflush() }
            END { printf "  %s: %d lines, log in %s\n", label, n, logf }'
    fi
}

# run_logged LOG LABEL CMD...: run CMD with output through progress(); on failure show the tail.
run_logged() {
    local log=$1 label=$2
    shift 2
    set +e
    ( "$@" 2>&1; echo "__status=$?" ) | progress "$log" "$label"
    set -e
    local st
    st=$(sed -n 's/^__status=//p' "$log" | tail -1)
    if [ "$st" != 0 ]; then
        tail -40 "$log" >&2
        die "$label failed (exit $st); full log: $log"
    fi
}

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# ---- the kernel -------------------------------------------------------------------------------

linux_src() {
    local ver=$1 dir=$OUT/src/$LINUX_PKG
    if [ "$(cat "$OUT/src/$LINUX_PKG.version" 2>/dev/null)" != "$ver" ]; then
        say "unpacking /usr/src/$LINUX_PKG.tar.xz ($ver)"
        rm -rf "$dir" "$OUT/linux-obj"
        mkdir -p "$OUT/src"
        tar -C "$OUT/src" -xf "/usr/src/$LINUX_PKG.tar.xz"
        echo "$ver" >"$OUT/src/$LINUX_PKG.version"
    fi
    echo "$dir"
}

build_linux() {
    local key=$1 ver=$2 src obj
    src=$(linux_src "$ver")
    obj=$OUT/linux-obj
    mkdir -p "$obj"
    local kmake=(make -C "$src" O="$obj" ARCH=riscv CROSS_COMPILE=$CROSS -j"$JOBS")
    say "linux: tinyconfig + guest/linux.config"
    "${kmake[@]}" -s tinyconfig >/dev/null
    (cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
        "$GUEST_SRC/linux.config" >"$OUT/linux-config.log" 2>&1) ||
        die "merge_config failed: $OUT/linux-config.log"
    "${kmake[@]}" -s olddefconfig >/dev/null
    # Every option of the fragment must have survived: a dependency we forgot drops it silently.
    local bad=0 line
    while IFS= read -r line; do
        case "$line" in CONFIG_*=*) ;; *) continue ;; esac
        grep -qx "$line" "$obj/.config" || { echo "  not set in .config: $line" >&2; bad=1; }
    done <"$GUEST_SRC/linux.config"
    [ $bad -eq 0 ] || die "guest/linux.config: options above were dropped (missing dependencies?)"
    say "linux: building Image with $JOBS jobs (about 2-4 minutes on 2 cores)"
    run_logged "$OUT/linux-build.log" linux "${kmake[@]}" Image
    cp "$obj/arch/riscv/boot/Image" "$OUT/Image"
    echo "$key" >"$OUT/Image.key"
    say "linux: $OUT/Image ($(du -h "$OUT/Image" | cut -f1), $(cat "$obj/include/config/kernel.release"))"
}

# ---- busybox and the initramfs ----------------------------------------------------------------

busybox_src() {
    local ver=$1 stamp=$OUT/src/busybox.version
    if [ "$(cat "$stamp" 2>/dev/null)" != "$ver" ] || [ ! -d "$(cat "$OUT/src/busybox.dir" 2>/dev/null)" ]; then
        say "busybox: apt-get source busybox ($ver)"
        rm -rf "$OUT/src/busybox-src" "$OUT/busybox-obj"
        mkdir -p "$OUT/src/busybox-src"
        # As root, apt downloads as _apt: let it write here.
        chmod 777 "$OUT/src/busybox-src"
        (cd "$OUT/src/busybox-src" && apt-get source -q "busybox=$ver") >"$OUT/busybox-source.log" 2>&1 ||
            die "apt-get source busybox failed: $OUT/busybox-source.log"
        local d
        d=$(find "$OUT/src/busybox-src" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -1)
        [ -n "$d" ] || die "no busybox source tree in $OUT/src/busybox-src"
        echo "$d" >"$OUT/src/busybox.dir"
        echo "$ver" >"$stamp"
    fi
    cat "$OUT/src/busybox.dir"
}

# set_kconfig FILE NAME VALUE|n: set or unset one busybox option.
set_kconfig() {
    local f=$1 name=$2 val=$3
    sed -i -e "/^$name=/d" -e "/^# $name is not set/d" "$f"
    if [ "$val" = n ]; then echo "# $name is not set" >>"$f"; else echo "$name=$val" >>"$f"; fi
}

build_busybox() {
    local ver=$1 src obj
    src=$(busybox_src "$ver")
    obj=$OUT/busybox-obj
    mkdir -p "$obj"
    local bmake=(make -C "$src" O="$obj" ARCH=riscv CROSS_COMPILE=$CROSS -j"$JOBS")
    say "busybox: defconfig, static, riscv64"
    "${bmake[@]}" -s defconfig >/dev/null
    set_kconfig "$obj/.config" CONFIG_STATIC y
    set_kconfig "$obj/.config" CONFIG_CROSS_COMPILER_PREFIX "\"$CROSS\""
    # tc needs kernel headers that no longer define CBQ; nothing here uses it.
    set_kconfig "$obj/.config" CONFIG_TC n
    set_kconfig "$obj/.config" CONFIG_FEATURE_TC_INGRESS n
    yes "" | "${bmake[@]}" -s oldconfig >/dev/null 2>&1 || true
    grep -qx 'CONFIG_STATIC=y' "$obj/.config" || die "busybox: CONFIG_STATIC did not stick"
    say "busybox: building with $JOBS jobs (about 30-60 s)"
    run_logged "$OUT/busybox-build.log" busybox "${bmake[@]}" busybox
}

# gen_init_cpio (from the kernel tree) writes the archive from a list, so the
# image needs no root to hold /dev/console and is the same bytes every time.
build_initramfs() {
    local key=$1 obj=$OUT/busybox-obj root=$OUT/rootfs gen=$OUT/linux-obj/usr/gen_init_cpio
    [ -x "$gen" ] || make -C "$OUT/src/$LINUX_PKG" O="$OUT/linux-obj" ARCH=riscv -s usr/gen_init_cpio
    rm -rf "$root"
    mkdir -p "$root"
    make -C "$obj" CROSS_COMPILE=$CROSS CONFIG_PREFIX="$root" -s install >/dev/null
    mkdir -p "$root"/{proc,sys,dev,etc,root,tmp}
    install -m 755 "$GUEST_SRC/init" "$root/init"
    install -m 644 "$GUEST_SRC/inittab" "$root/etc/inittab"
    install -m 644 "$GUEST_SRC/profile" "$root/etc/profile"
    echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
    echo "root:x:0:" >"$root/etc/group"
    local list=$OUT/initramfs.list
    {
        echo "nod /dev/console 0600 0 0 c 5 1"
        (cd "$root" && find . -mindepth 1 | LC_ALL=C sort) | while IFS= read -r p; do
            local f=${p#.} mode
            mode=$(stat -c '%a' "$root$f")
            if [ -L "$root$f" ]; then
                echo "slink $f $(readlink "$root$f") 0777 0 0"
            elif [ -d "$root$f" ]; then
                echo "dir $f 0$mode 0 0"
            else
                echo "file $f $root$f 0$mode 0 0"
            fi
        done
    } >"$list"
    "$gen" -t 0 "$list" | gzip -9 -n >"$OUT/initramfs.cpio.gz.tmp"
    mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
    echo "$key" >"$OUT/initramfs.key"
    say "initramfs: $OUT/initramfs.cpio.gz ($(du -h "$OUT/initramfs.cpio.gz" | cut -f1))"
}

# ---- main -------------------------------------------------------------------------------------

mkdir -p "$OUT"
install_missing
LINUX_VER=$(dpkg-query -W -f='${Version}' "$LINUX_PKG")
GCC_VER=$(${CROSS}gcc -dumpfullversion)

linux_key=$(printf 'linux %s gcc %s\n' "$LINUX_VER" "$GCC_VER" |
    hash_of - "$GUEST_SRC/linux.config" "$GUEST_SRC/build.sh")
if [ $FORCE -eq 0 ] && [ -f "$OUT/Image" ] && [ "$(cat "$OUT/Image.key" 2>/dev/null)" = "$linux_key" ]; then
    say "linux: up to date ($OUT/Image)"
else
    build_linux "$linux_key" "$LINUX_VER"
fi

# The busybox version is the one apt would fetch; ask apt only when the image is not current.
bb_ver=$(cat "$OUT/src/busybox.version" 2>/dev/null || true)
initramfs_key() {
    printf 'busybox %s gcc %s\n' "$1" "$GCC_VER" |
        hash_of - "$GUEST_SRC/init" "$GUEST_SRC/inittab" "$GUEST_SRC/profile" "$GUEST_SRC/build.sh"
}
if [ $FORCE -eq 0 ] && [ -n "$bb_ver" ] && [ -f "$OUT/initramfs.cpio.gz" ] &&
    [ "$(cat "$OUT/initramfs.key" 2>/dev/null)" = "$(initramfs_key "$bb_ver")" ]; then
    say "initramfs: up to date ($OUT/initramfs.cpio.gz)"
else
    ensure_deb_src
    bb_ver=$(apt-cache showsrc busybox | sed -n 's/^Version: //p' | sort -V | tail -1)
    build_busybox "$bb_ver"
    build_initramfs "$(initramfs_key "$bb_ver")"
fi
say "ready: $OUT/Image $OUT/initramfs.cpio.gz"
