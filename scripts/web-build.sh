#!/usr/bin/env bash
# web-build.sh - build minimu for the browser into build/web/site/:
#   install what is missing (emscripten, chromium, the guest images, npm deps),
#   unpack cmocka's Debian source for the wasm unit tests, configure the "web"
#   preset, build the machine, the page and the unit tests, build the default
#   Linux guest (guest/build.sh, cached) and copy it with Debian's OpenSBI and
#   U-Boot into the site.  Second runs are incremental.
# Then: node web/serve.mjs  (http://127.0.0.1:8080/), or scripts/web-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
missing=()
command -v emcc >/dev/null || missing+=(emscripten)
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v cmake >/dev/null || missing+=(cmake)
command -v ninja >/dev/null || missing+=(ninja-build)
[ -f "$FW" ] || missing+=(opensbi)
[ -f "$UBOOT" ] || missing+=(u-boot-qemu)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}" >&2
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
fi

echo "== npm ci (xterm.js, playwright-core)" >&2
(cd web && npm ci --no-audit --no-fund --loglevel=error)

# cmocka for the wasm unit tests: compiled from Debian's source package.
if [ ! -f build/web/cmocka-src/src/cmocka.c ]; then
    echo "== apt-get source cmocka" >&2
    if ! grep -rqs "^Types: deb-src\|^deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            > /etc/apt/sources.list.d/minimu-bookworm-src.sources
        apt-get update >/dev/null
    fi
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get source -qq cmocka >/dev/null 2>&1) || \
       (apt-get update >/dev/null && cd "$tmp" && apt-get source -qq cmocka >/dev/null 2>&1); then
        mkdir -p build/web
        rm -rf build/web/cmocka-src
        cp -r "$tmp"/cmocka-*/ build/web/cmocka-src
    else
        echo "warning: apt-get source cmocka failed; the wasm unit tests are not built" >&2
    fi
    rm -rf "$tmp"
fi

# emcc's optimiser needs acorn, which Debian ships under /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs
echo "== configure (preset web) and build" >&2
cmake --preset web -DBUILD_TESTING=OFF >/dev/null
cmake --build build/web -j2
if [ -f build/web/cmocka-src/src/cmocka.c ]; then
    cmake --build build/web -j2 --target web-unit-tests
fi

# The page's default guest: the Linux + busybox that guest/build.sh builds from Debian
# sources (a cache hit after the first build; scripts/test.sh has built it already).
guest/build.sh
GUEST=${MINIMU_GUEST_DIR:-build/guest}
mkdir -p build/web/site/images
cp -u "$FW" "$UBOOT" "$GUEST/Image" "$GUEST/initramfs.cpio.gz" build/web/site/images/
echo "== site ready in build/web/site (node web/serve.mjs)" >&2
