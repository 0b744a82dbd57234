#!/bin/sh
# Build the benchmark initramfs: tlbshoot.c compiled static as /init, tlbsh.c (a tiny shell,
# boot it with rdinit=/bin/tlbsh) as /bin/tlbsh, plus /dev/console, /proc and /sys, written as a newc cpio archive by a few lines of Python (no root needed for the
# device node). Installs the cross compiler if it is missing.
#
# Usage: bench/linux/build-initramfs.sh [OUT.cpio]   (default: $TLBSTORM_LINUX_CACHE/initramfs.cpio)
# Prints the archive's path on stdout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${TLBSTORM_LINUX_CACHE:-$HOME/.cache/tlbstorm-linux}
out=${1:-$cache/initramfs.cpio}
cc=riscv64-linux-gnu-gcc

"$here/../../scripts/apt-install.sh" gcc-riscv64-linux-gnu libc6-dev-riscv64-cross python3

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$cc -O2 -Wall -Wextra -static -pthread -o "$tmp/init" "$here/tlbshoot.c"
$cc -O2 -Wall -Wextra -static -o "$tmp/tlbsh" "$here/tlbsh.c"
riscv64-linux-gnu-strip "$tmp/init" "$tmp/tlbsh"

"$here/newc.py" "$out" dir:dev chr:dev/console:5:1 dir:proc:555 dir:sys:555 \
    "file:init:$tmp/init" dir:bin "file:bin/tlbsh:$tmp/tlbsh"
echo "$out"
