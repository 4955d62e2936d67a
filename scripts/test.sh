#!/usr/bin/env bash
# test.sh - install what is missing, build, and run every test:
#   1. the dev preset (ASan + UBSan): all unit, guest, boot and Linux tests;
#   2. the tsan preset (ThreadSanitizer): the multithreaded event-loop tests;
#   3. the web build (Emscripten): the portable core's unit tests under node,
#      a machine in a node worker, the page in headless Chromium.
# In CI (CI=true) warnings are errors.  Second runs are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build test
# The Linux guest for the linux/* tests (cached after the first build).
guest/build.sh

extra=()
[ "${CI:-}" = "true" ] && extra+=(-DMINIMU_WERROR=ON)

echo "== dev (ASan+UBSan): configure and build" >&2
cmake --preset dev "${extra[@]}" >/dev/null
cmake --build --preset dev
echo "== dev (ASan+UBSan): ctest" >&2
ctest --preset dev -j2

echo "== tsan: configure and build the threaded tests" >&2
cmake --preset tsan "${extra[@]}" >/dev/null
cmake --build --preset tsan --target threaded-tests
echo "== tsan: ctest -L threads" >&2
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --preset tsan -j2

echo "== web (Emscripten): wasm unit tests, a machine in a worker, the page in Chromium" >&2
scripts/web-test.sh
