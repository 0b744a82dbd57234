#!/usr/bin/env bash
# Install the repository's git hooks (scripts/commit-msg) into this checkout's .git/hooks.
# Leaves an existing, different hook alone and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
hooks=$(git rev-parse --git-path hooks)
mkdir -p "$hooks"
target="$hooks/commit-msg"
if [ -e "$target" ] && ! cmp -s "$target" scripts/commit-msg; then
    echo "install-hooks: $target exists and differs; not replaced" >&2
    exit 1
fi
cp scripts/commit-msg "$target"
chmod +x "$target"
echo "install-hooks: commit-msg installed ($target)"
