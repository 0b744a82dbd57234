#!/bin/sh
# Build a small riscv64 Linux kernel (Debian bookworm's 6.1 source, Debian's cross compiler)
# for booting on tlbstorm and on qemu-system-riscv64. Not part of CI: a cold build takes
# minutes (see docs/linux.md). Prints the path of the Image on stdout.
#
# Environment:
#   TLBSTORM_LINUX_CACHE  cache directory (default ~/.cache/tlbstorm-linux)
#   EXTRA_CONFIG          a second fragment applied after tlbstorm.config (for instance
#                         bench/linux/many-harts.config); use its own cache directory
#   JOBS                  make -j (default: number of host CPUs)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${TLBSTORM_LINUX_CACHE:-$HOME/.cache/tlbstorm-linux}
jobs=${JOBS:-$(nproc)}
src_tar=/usr/src/linux-source-6.1.tar.xz
cross=riscv64-linux-gnu-

log() { echo "build-kernel: $*" >&2; }

# --- packages -------------------------------------------------------------------------------
"$here/../../scripts/apt-install.sh" gcc-riscv64-linux-gnu linux-source-6.1 make bc flex bison \
    xz-utils perl gcc libc6-dev libssl-dev libelf-dev

# --- source ---------------------------------------------------------------------------------
mkdir -p "$cache"
src=$cache/linux-source-6.1
if [ ! -f "$src/Makefile" ]; then
    log "extracting $src_tar into $cache"
    rm -rf "$src.tmp"
    mkdir -p "$src.tmp"
    tar -C "$src.tmp" -xf "$src_tar"
    mv "$src.tmp/linux-source-6.1" "$src"
    rmdir "$src.tmp"
fi

# --- configuration --------------------------------------------------------------------------
# The fragment is applied on top of tinyconfig; its hash decides whether the cached Image is
# still good.
frag=$here/tlbstorm.config
frags=$frag
if [ -n "${EXTRA_CONFIG:-}" ]; then
    frags="$frag $EXTRA_CONFIG"
fi
out=$cache/build
stamp=$out/.tlbstorm-config.sha256
# shellcheck disable=SC2086
want=$(cat $frags "$0" | sha256sum | cut -d' ' -f1)
mk() { make -C "$src" O="$out" ARCH=riscv CROSS_COMPILE=$cross "$@"; }

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f "$out/arch/riscv/boot/Image" ]; then
    mkdir -p "$out"
    log "configuring (tinyconfig + $frags)"
    mk tinyconfig >&2
    # shellcheck disable=SC2086
    "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" $frags >&2
    mk olddefconfig >&2
    # Every setting of the fragments (the last one of each symbol) must have survived
    # Kconfig's dependency resolution.
    missing=0
    # shellcheck disable=SC2086
    settings=$(cat $frags | awk '
        /^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym); last[sym] = $0; order[++n] = sym; next }
        /^# CONFIG_[A-Za-z0-9_]+ is not set/ { sym = $2; last[sym] = $0; order[++n] = sym }
        END { for (i = 1; i <= n; i++) if (!done[order[i]]++) print last[order[i]] }')
    while IFS= read -r line; do
        case $line in
            CONFIG_*=*) grep -qx "$line" "$out/.config" || { log "not set: $line"; missing=1; } ;;
            "# CONFIG_"*" is not set")
                sym=${line#\# }; sym=${sym%% *}
                if grep -q "^$sym=" "$out/.config"; then log "still set: $sym"; missing=1; fi ;;
        esac
    done <<EOF
$settings
EOF
    [ $missing = 0 ] || { log "configuration incomplete"; exit 1; }
    start=$(date +%s)
    log "building Image with -j$jobs"
    mk -j"$jobs" Image >&2
    log "built in $(( $(date +%s) - start )) s"
    echo "$want" > "$stamp"
fi

# The vDSO's cpu_relax() must not read memory: without jump labels it loads a static key
# through a GOT slot nothing relocates in the vDSO and crashes user space about one boot in a
# hundred (docs/linux.md, "Why CONFIG_JUMP_LABEL=y"). Checked on every call, cached or not.
vdso=$out/arch/riscv/kernel/vdso/vdso.so.dbg
if [ -f "$vdso" ]; then
    relax=$(${cross}objdump -d "$vdso" | awk '/<cpu_relax>:/ { on = 1; next } on && /^$/ { exit } on')
    if printf '%s\n' "$relax" | grep -Eq '[[:space:]](ld|lw|lwu|lh|lhu|lb|lbu)[[:space:]]'; then
        log "the vDSO's cpu_relax loads from memory (a static key without jump labels):"
        printf '%s\n' "$relax" >&2
        exit 1
    fi
fi
echo "$out/arch/riscv/boot/Image"
