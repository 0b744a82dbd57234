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

if ! command -v $cc >/dev/null 2>&1 || [ ! -f /usr/riscv64-linux-gnu/lib/libc.a ]; then
    sudo=
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "build-initramfs: installing gcc-riscv64-linux-gnu libc6-dev-riscv64-cross" >&2
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y gcc-riscv64-linux-gnu libc6-dev-riscv64-cross python3 >&2
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$cc -O2 -Wall -Wextra -static -pthread -o "$tmp/init" "$here/tlbshoot.c"
$cc -O2 -Wall -Wextra -static -o "$tmp/tlbsh" "$here/tlbsh.c"
riscv64-linux-gnu-strip "$tmp/init" "$tmp/tlbsh"

python3 - "$tmp/init" "$tmp/tlbsh" "$out" <<'PY'
import os, stat, sys

init_path, sh_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
ino = [1]

def entry(name, mode, data=b"", rdev=(0, 0)):
    """One newc header + name + data, each padded to 4 bytes."""
    name_b = name.encode() + b"\0"
    fields = [ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    ino[0] += 1
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    rec = hdr + name_b
    rec += b"\0" * (-len(rec) % 4) + data
    return rec + b"\0" * (-len(rec) % 4)

with open(init_path, "rb") as f:
    init = f.read()
with open(sh_path, "rb") as f:
    sh = f.read()
archive = b"".join([
    entry("dev", stat.S_IFDIR | 0o755),
    entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
    entry("proc", stat.S_IFDIR | 0o555),
    entry("sys", stat.S_IFDIR | 0o555),
    entry("init", stat.S_IFREG | 0o755, init),
    entry("bin", stat.S_IFDIR | 0o755),
    entry("bin/tlbsh", stat.S_IFREG | 0o755, sh),
    entry("TRAILER!!!", 0),
])
archive += b"\0" * (-len(archive) % 512)
with open(out_path + ".tmp", "wb") as f:
    f.write(archive)
os.replace(out_path + ".tmp", out_path)
PY
echo "$out"
