#!/usr/bin/env bash
# web-test.sh - test the browser build (after scripts/web-build.sh, which it runs):
#   1. the portable core's unit tests built for wasm, under node (ctest);
#   2. a machine in a node worker boots U-Boot to "=> " and answers "version";
#   3. the page in headless Chromium (playwright-core): prompt, typing into the
#      terminal, two machines, stop/reset, the no-SharedArrayBuffer message.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-build.sh

# Every step is bounded: ctest gives each test 120 s (platform/web/CMakeLists.txt), the
# node scripts have their own deadlines, and `timeout` backs them up.
if [ -f build/web/cmocka-src/src/cmocka.c ]; then
    echo "== wasm unit tests under node" >&2
    ctest --test-dir build/web/platform/web -j2 --output-on-failure --no-tests=error </dev/null
else
    echo "error: cmocka's source is missing, the wasm unit tests were not built" >&2
    exit 1
fi
echo "== node: boot to the U-Boot prompt in a worker" >&2
timeout 300 node tests/web/node-boot.mjs build/web/site </dev/null
echo "== headless Chromium" >&2
timeout 900 node --test tests/web/ </dev/null
