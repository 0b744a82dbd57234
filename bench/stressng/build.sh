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

"$root/scripts/apt-install.sh" gcc-riscv64-linux-gnu libc6-dev-riscv64-cross make bzip2 \
    xz-utils python3
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
"$root/bench/linux/newc.py" "$out" dir:dev chr:dev/console:5:1 dir:proc:555 dir:sys:555 \
    dir:tmp:1777 dir:bin "file:bin/busybox:$tmp/busybox" "file:bin/stress-ng:$tmp/stress-ng" \
    "file:bin/tlbshoot:$tmp/tlbshoot" "file:init:$here/init.sh"
echo "$out"
