#!/bin/sh
# Build the ext2 root image for booting Linux from virtio-blk: the same /init (tlbshoot) as
# the initramfs, plus tlbsh as /bin/tlbsh and /sbin/init (the kernel's default init once the
# root is mounted). mke2fs -d fills the file system from a directory, so no root privileges
# and no loop mount are needed; /dev stays empty because the kernel mounts devtmpfs there
# (CONFIG_DEVTMPFS_MOUNT) before it runs init.
#
# Usage: bench/linux/build-rootfs.sh [OUT.img]   (default: $TLBSTORM_LINUX_CACHE/root.img)
# Environment: ROOTFS_MB image size in MiB (default 16).
# Prints the image's path on stdout. Installs e2fsprogs and the cross compiler if missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${TLBSTORM_LINUX_CACHE:-$HOME/.cache/tlbstorm-linux}
out=${1:-$cache/root.img}
size_mb=${ROOTFS_MB:-16}
cc=riscv64-linux-gnu-gcc
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)

"$here/../../scripts/apt-install.sh" gcc-riscv64-linux-gnu libc6-dev-riscv64-cross e2fsprogs
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/bin" "$root/sbin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
$cc -O2 -Wall -Wextra -static -pthread -o "$root/init" "$here/tlbshoot.c"
$cc -O2 -Wall -Wextra -static -o "$root/bin/tlbsh" "$here/tlbsh.c"
riscv64-linux-gnu-strip "$root/init" "$root/bin/tlbsh"
ln -s ../bin/tlbsh "$root/sbin/init"
echo "written by bench/linux/build-rootfs.sh" > "$root/README"

# -E root_owner: the image's / belongs to root whoever builds it (files keep the builder's
# uid, which Linux does not care about here). -q: the caller wants only the path on stdout.
rm -f "$out.tmp"
"$mke2fs" -q -t ext2 -L tlbroot -E root_owner=0:0 -d "$root" "$out.tmp" "${size_mb}M" >&2
mv "$out.tmp" "$out"
echo "$out"
