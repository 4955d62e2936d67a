#!/usr/bin/env bash
# bench-loop.sh - minimu's event loop against GLib and libuv, as one table.
#
#   scripts/bench-loop.sh [--quick] [--idle-fds N]
#
# Installs libglib2.0-dev if it is missing (the benchmark is the only user of
# GLib), builds the release preset, runs build/release/bench-loop (bench/) and
# prints its markdown table: the host line, one row per measurement with
# minimu, GLib and libuv measured in the same run, and the ratios.  Takes
# about 40 s.  Not part of ctest: the machines are shared and noisy, so read
# the ratios, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp /tmp/bench-loop.XXXXXX.log)
trap 'rm -f "$log"' EXIT

need=()
pkg-config --exists glib-2.0 2>/dev/null || need+=(libglib2.0-dev)
pkg-config --exists libuv 2>/dev/null || need+=(libuv1-dev)
if ((${#need[@]})); then
    if [ "$(id -u)" != 0 ]; then
        echo "bench-loop.sh: missing ${need[*]}; install them as root (apt-get install ${need[*]})" >&2
        exit 1
    fi
    echo "bench-loop.sh: installing ${need[*]}" >&2
    apt-get update -qq >"$log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >>"$log" 2>&1 || {
        cat "$log" >&2
        exit 1
    }
fi

echo "bench-loop.sh: building the release preset" >&2
# Only the benchmark and what it links: other targets are not needed here.
if ! { cmake --preset release && cmake --build --preset release -j2 --target bench-loop; } >"$log" 2>&1; then
    tail -40 "$log" >&2
    if ! grep -q 'add_subdirectory(bench)' CMakeLists.txt; then
        echo "bench-loop.sh: the root CMakeLists.txt has no add_subdirectory(bench)" >&2
    fi
    exit 1
fi

echo "bench-loop.sh: running build/release/bench-loop (about 40 s)" >&2
if ! build/release/bench-loop "$@" 2>"$log"; then
    tail -20 "$log" >&2
    exit 1
fi
