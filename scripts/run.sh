#!/usr/bin/env bash
# run.sh [minimu options] - install what is missing, build the release preset,
# build the default guest (Linux + busybox, guest/build.sh, once), and run
# minimu.  With no options minimu boots the default guest to an interactive
# shell on this terminal (Ctrl-A x quits, Ctrl-A h helps; poweroff ends it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build guest
# The default guest: Linux + busybox from Debian's sources (cached after the first build).
guest/build.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/minimu "$@"
