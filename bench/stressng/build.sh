#!/bin/sh
# Build the stress-ng benchmark's guest: stress-ng (static, riscv64), a busybox userland and
# tlbshoot in an initramfs whose /init (bench/stressng/init.sh) runs a panel of stressors and
# powers off, plus the kernel (bench/linux/build-kernel.sh with bench/stressng/stressng.config).
# Not part of CI: a cold build takes about 15 minutes on 2 cores (docs/measuring.md).
#
# Sources, first found wins:
#   stress-ng  $STRESSNG_TARBALL; `apt-get source stress-ng`; ../shared/vendor/stress-ng-*.tar.xz
#              (the upstream V0.15.06 tree Debian 12 packages; its source tarball is missing
#              from some archive mirrors)
#   busybox    $BUSYBOX_TARBALL; `apt-get source busybox`
# apt-get source runs with a deb-src list of its own (the system's sources are not touched).
#
# Environment: TLBSTORM_STRESSNG_CACHE (default ~/.cache/tlbstorm-stressng), JOBS.
# Prints the initramfs path on stdout; the kernel is $TLBSTORM_STRESSNG_CACHE/linux/build/arch/riscv/boot/Image.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${TLBSTORM_STRESSNG_CACHE:-$HOME/.cache/tlbstorm-stressng}
jobs=${JOBS:-$(nproc)}
cross=riscv64-linux-gnu-
log() { echo "stressng/build: $*" >&2; }
die() { echo "stressng/build: $*" >&2; exit 1; }

need=
command -v ${cross}gcc >/dev/null 2>&1 || need="$need gcc-riscv64-linux-gnu"
[ -f /usr/riscv64-linux-gnu/lib/libc.a ] || need="$need libc6-dev-riscv64-cross"
for t in make:make bzip2:bzip2 xz:xz-utils python3:python3; do
    command -v "${t%%:*}" >/dev/null 2>&1 || need="$need ${t#*:}"
done
if [ -n "$need" ]; then
    sudo=
    [ "$(id -u)" = 0 ] || sudo=sudo
    log "installing:$need"
    $sudo apt-get update >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $need >&2
fi
mkdir -p "$cache/src" "$cache/build"

# apt_orig PKG: the upstream tarball of Debian's source package, downloaded into
# $cache/src with a private deb-src list; prints its path, or nothing.
apt_orig() {
    existing=$(ls "$cache/src/$1"_*.orig.tar.* 2>/dev/null | head -1)
    if [ -n "$existing" ]; then
        echo "$existing"
        return
    fi
    lists=$(mktemp -d)
    echo "deb-src http://deb.debian.org/debian bookworm main" > "$lists/sources.list"
    mkdir -p "$lists/lists/partial"
    opts="-o Dir::Etc::SourceList=$lists/sources.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$lists/lists"
    # shellcheck disable=SC2086
    if apt-get $opts update >/dev/null 2>&1 &&
       (cd "$cache/src" && apt-get $opts source --download-only "$1" >/dev/null 2>&1); then
        ls "$cache/src/$1"_*.orig.tar.* 2>/dev/null | head -1
    fi
    rm -rf "$lists"
}

stressng_tar=${STRESSNG_TARBALL:-$(apt_orig stress-ng)}
if [ -z "$stressng_tar" ]; then
    stressng_tar=$(ls "$root"/../shared/vendor/stress-ng-*.tar.* 2>/dev/null | head -1)
    [ -n "$stressng_tar" ] && log "apt-get source stress-ng failed; using $stressng_tar"
fi
[ -n "$stressng_tar" ] && [ -f "$stressng_tar" ] ||
    die "no stress-ng source: set STRESSNG_TARBALL=path/to/stress-ng-X.tar.xz"
busybox_tar=${BUSYBOX_TARBALL:-$(apt_orig busybox)}
[ -n "$busybox_tar" ] && [ -f "$busybox_tar" ] ||
    die "no busybox source: set BUSYBOX_TARBALL=path/to/busybox-X.tar.bz2"

# unpack TARBALL: into $cache/build (once); prints the tree's directory.
unpack() {
    top=$(tar tf "$1" | head -1 | cut -d/ -f1)
    [ -d "$cache/build/$top" ] || tar xf "$1" -C "$cache/build"
    echo "$cache/build/$top"
}

sng=$(unpack "$stressng_tar")
if [ ! -x "$sng/stress-ng" ]; then
    log "building stress-ng in $sng"
    make -C "$sng" -j"$jobs" CC=${cross}gcc STATIC=1 >"$cache/build/stress-ng.log" 2>&1 ||
        die "stress-ng build failed: see $cache/build/stress-ng.log"
fi
bb=$(unpack "$busybox_tar")
if [ ! -x "$bb/busybox" ]; then
    log "building busybox in $bb"
    make -C "$bb" defconfig >/dev/null
    # Static, and without tc, whose traffic-control code no longer builds against current
    # kernel headers.
    sed -i 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/; s/^CONFIG_TC=y/# CONFIG_TC is not set/' "$bb/.config"
    make -C "$bb" -j"$jobs" CROSS_COMPILE=$cross >"$cache/build/busybox.log" 2>&1 ||
        die "busybox build failed: see $cache/build/busybox.log"
fi

log "building the kernel (bench/linux/build-kernel.sh + stressng.config)"
EXTRA_CONFIG="$here/stressng.config" TLBSTORM_LINUX_CACHE="$cache/linux" \
    "$root/bench/linux/build-kernel.sh" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${cross}gcc -O2 -Wall -Wextra -static -pthread -o "$tmp/tlbshoot" "$root/bench/linux/tlbshoot.c"
cp "$sng/stress-ng" "$tmp/stress-ng"
cp "$bb/busybox" "$tmp/busybox"
${cross}strip "$tmp/tlbshoot" "$tmp/stress-ng" "$tmp/busybox"
out="$cache/initramfs.cpio"
python3 - "$tmp" "$here/init.sh" "$out" <<'PY'
import os, stat, sys

tmp, init_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
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

def read(p):
    with open(p, "rb") as f:
        return f.read()

archive = b"".join([
    entry("dev", stat.S_IFDIR | 0o755),
    entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
    entry("proc", stat.S_IFDIR | 0o555),
    entry("sys", stat.S_IFDIR | 0o555),
    entry("tmp", stat.S_IFDIR | 0o1777),
    entry("bin", stat.S_IFDIR | 0o755),
    entry("bin/busybox", stat.S_IFREG | 0o755, read(os.path.join(tmp, "busybox"))),
    entry("bin/stress-ng", stat.S_IFREG | 0o755, read(os.path.join(tmp, "stress-ng"))),
    entry("bin/tlbshoot", stat.S_IFREG | 0o755, read(os.path.join(tmp, "tlbshoot"))),
    entry("init", stat.S_IFREG | 0o755, read(init_path)),
    entry("TRAILER!!!", 0),
])
archive += b"\0" * (-len(archive) % 512)
with open(out_path + ".tmp", "wb") as f:
    f.write(archive)
os.replace(out_path + ".tmp", out_path)
PY
echo "$out"
