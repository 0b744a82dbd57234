#!/usr/bin/env bash
# Configure (once) and build tlbstorm and the bundled guests into build/ (release, -Werror).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release >/dev/null
fi
ninja -C build
