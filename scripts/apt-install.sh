#!/bin/sh
# Install the named Debian packages that are not installed yet: apt-get update first, then
# apt-get install, through sudo when not root. Does nothing (and needs no network) when all
# are there. Used by scripts/install-deps.sh and the bench/ build scripts.
#   scripts/apt-install.sh PACKAGE...
set -eu
missing=
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -n "$missing" ] || exit 0
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "installing:$missing" >&2
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
