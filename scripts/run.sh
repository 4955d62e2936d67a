#!/usr/bin/env bash
# run.sh [minimu options] - install what is missing, build the release preset,
# and run minimu.  With no options minimu boots the default guest to an
# interactive console on this terminal (Ctrl-A x quits, Ctrl-A h helps).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build guest
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/minimu "$@"
